/**
 * Request syntax (RFC 6750 §2): 401 without an error when there are no Bearer credentials,
 * 400 invalid_request for malformed ones, for tokens outside the header, and for more than one.
 */
import { describe, expect, it } from 'vitest';
import { challenge, challengeFor } from './support/challenge.js';
import { EXAMPLES } from './support/example.js';
import { useExample } from './support/fixture.js';
import { bearer, send } from './support/http.js';

describe.each(EXAMPLES)('%s: request syntax', (name) => {
  const fx = useExample(name);

  it('GET /health answers without a token', async () => {
    const reply = await send(fx.url, '/health');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ status: 'ok' });
  });

  it.each([
    ['no Authorization header', []],
    ['another scheme', [['authorization', 'Basic dXNlcjpwYXNz']]],
  ] as [string, [string, string][]][])('%s: 401 with no error', async (_, headers) => {
    const reply = await send(fx.url, '/invoices', { headers });
    expect(reply.status).toBe(401);
    expect(reply.challenge).toBe(challenge(fx.url));
    expect(reply.json).toEqual({ error_description: 'A bearer access token is required' });
  });

  it.each([
    ['Bearer'],
    ['bearer'],
    ['Bearer a b'],
    ['Bearer a,b'],
    ['Bearer tok"en'],
    ['Bearer\tabc'],
    ['Bearer =abc'],
    [''],
  ])('%j: 400 invalid_request', async (value) => {
    const reply = await send(fx.url, '/invoices', { headers: [['authorization', value]] });
    expect(reply.status).toBe(400);
    expect(reply.challenge).toBe(challengeFor(fx.url, 'authorization_malformed'));
    expect(reply.json?.error).toBe('invalid_request');
    expect(reply.challenge).toContain(`error_description="${reply.json?.error_description}"`);
  });

  it('a token in the query is refused, with or without a header', async () => {
    const token = await fx.withScope('invoices:read');
    for (const headers of [[], bearer(token)]) {
      const reply = await send(fx.url, `/invoices?access_token=${token}`, { headers });
      expect(reply.status).toBe(400);
      expect(reply.challenge).toBe(challengeFor(fx.url, 'token_in_query'));
    }
  });

  it('a token in a form body is refused', async () => {
    const token = await fx.withScope('invoices:export');
    const reply = await send(fx.url, '/invoices/export', {
      method: 'POST',
      headers: [['content-type', 'application/x-www-form-urlencoded']],
      body: `access_token=${token}`,
    });
    expect(reply.status).toBe(400);
    expect(reply.challenge).toBe(challengeFor(fx.url, 'token_in_body'));
    expect(reply.json).toEqual({
      error: 'invalid_request',
      error_description: 'Access tokens are not accepted in the request body',
    });
  });

  it('two Authorization headers are refused', async () => {
    const token = await fx.withScope('invoices:read');
    const reply = await send(fx.url, '/invoices', { headers: [...bearer(token), ...bearer(token)] });
    expect(reply.status).toBe(400);
    expect(reply.challenge).toBe(challengeFor(fx.url, 'authorization_repeated'));
  });

  it('syntax is checked before the token: a bad token with a query token is 400', async () => {
    const reply = await send(fx.url, '/invoices?access_token=x', { headers: bearer('not-a-jwt') });
    expect(reply.status).toBe(400);
  });

  it('a body that does not parse still gets the guard’s answer first', async () => {
    const reply = await send(fx.url, '/invoices/export', {
      method: 'POST',
      headers: [['content-type', 'application/json']],
      body: '{not json',
    });
    expect(reply.status).toBe(401);
    expect(reply.challenge).toBe(challenge(fx.url));
  });
});
