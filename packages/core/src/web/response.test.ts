import { describe, expect, it } from 'vitest';
import { buildCommonRefusals, withAuthorizationDetails } from '../challenge/refusal.js';
import { RequestBodyError } from './body.js';
import { isMetadataRequest, metadataResponse, refusalResponse, requestBodyErrorResponse } from './response.js';

const refusals = buildCommonRefusals({
  realm: 'r',
  resourceMetadata: 'https://api.test/.well-known/oauth-protected-resource',
  includeScope: true,
  includeDescription: true,
  retryAfter: 7,
});

describe('refusalResponse', () => {
  it('status, challenge, JSON body and no-store, to the byte', async () => {
    const response = refusalResponse(refusals.authorization_repeated);
    expect(response.status).toBe(400);
    expect([...response.headers]).toEqual([
      ['cache-control', 'no-store'],
      ['content-type', 'application/json'],
      [
        'www-authenticate',
        'Bearer realm="r", error="invalid_request", resource_metadata="https://api.test/.well-known/oauth-protected-resource", error_description="The request has more than one Authorization header"',
      ],
    ]);
    expect(await response.text()).toBe(
      '{"error":"invalid_request","error_description":"The request has more than one Authorization header"}',
    );
  });

  it('a 503 carries Retry-After and no challenge', async () => {
    const response = refusalResponse(refusals.keys_unavailable);
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('7');
    expect(response.headers.get('www-authenticate')).toBeNull();
  });

  it('every header of the refusal, DPoP-Nonce included, and the authorization_details of the body', async () => {
    const detail = { type: 'payment_refund', actions: ['refund'] };
    const refusal = {
      ...withAuthorizationDetails(refusals.binding_missing, [detail]),
      headers: { ...refusals.binding_missing.headers, 'dpop-nonce': 'n-1' },
    };
    const response = refusalResponse(refusal);
    expect(response.headers.get('dpop-nonce')).toBe('n-1');
    expect(await response.json()).toMatchObject({ authorization_details: [detail] });
  });
});

describe('metadata', () => {
  const gate = {
    metadata: { resource: 'https://api.test/v1', authorization_servers: ['https://as.test'] },
    metadataPath: '/.well-known/oauth-protected-resource/v1',
  } as never;

  it('metadataResponse is the document as JSON', async () => {
    const response = metadataResponse(gate);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(await response.text()).toBe(
      '{"resource":"https://api.test/v1","authorization_servers":["https://as.test"]}',
    );
  });

  it.each([
    ['GET', '/.well-known/oauth-protected-resource/v1', true],
    ['HEAD', '/.well-known/oauth-protected-resource/v1?x', true],
    ['POST', '/.well-known/oauth-protected-resource/v1', false],
    ['GET', '/.well-known/oauth-protected-resource', false],
    ['GET', '/.well-known/oauth-protected-resource/v1/', false],
  ])('isMetadataRequest(%s %s) is %s', (method, path, expected) => {
    expect(isMetadataRequest(gate, new Request(`https://api.test${path}`, { method }))).toBe(expected);
  });
});

describe('requestBodyErrorResponse', () => {
  it('413 and 400 say why; a 500 says nothing more', async () => {
    const large = requestBodyErrorResponse(new RequestBodyError('ERR_BODY_TOO_LARGE'));
    expect(large.status).toBe(413);
    expect(await large.json()).toEqual({
      error: 'invalid_request',
      error_description: 'The request body is too large',
    });
    const consumed = requestBodyErrorResponse(new RequestBodyError('ERR_BODY_CONSUMED'));
    expect(consumed.status).toBe(500);
    expect(await consumed.json()).toEqual({
      error: 'server_error',
      error_description: 'The request could not be checked',
    });
  });
});
