/**
 * Refusals of shared/mcp-invoices.md ("Refusals", inheriting invoice-api.md's syntax and order):
 * no token, invalid tokens, malformed Authorization, tokens elsewhere than the header, the
 * metadata every challenge names, and byte-identical challenges for identical refusals.
 */
import { SignJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { handcrafted } from '../blackbox/support/keys.js';
import {
  answer,
  baselineChallenge,
  call,
  ISSUER,
  initialize,
  mcpHeaders,
  now,
  post,
  rawPost,
  rpc,
  type Served,
  serveForFile,
} from './support.js';

const served = serveForFile();

/** The baseline 401 challenge for a presented but invalid token, up to its description. */
function invalidToken(s: Served): RegExp {
  const head = baselineChallenge(s, 'invalid_token').replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  return new RegExp(`^${head}(, error_description="[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]+")?$`);
}

function expectOAuthBody(json: unknown, error: string | undefined) {
  const body = json as Record<string, unknown>;
  expect(typeof body.error_description).toBe('string');
  expect(body.error).toBe(error);
  expect(Object.keys(body).sort()).toEqual(
    error === undefined ? ['error_description'] : ['error', 'error_description'],
  );
}

describe('metadata (RFC 9728)', () => {
  it('serves the exact document at the path-inserted URL and at the root', async () => {
    const s = served();
    for (const path of ['/.well-known/oauth-protected-resource/mcp', '/.well-known/oauth-protected-resource']) {
      const response = await fetch(`${s.url}${path}`);
      expect(response.status).toBe(200);
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      expect(await response.json()).toEqual({
        resource: `${s.url}/mcp`,
        authorization_servers: [ISSUER],
        scopes_supported: ['invoices:read'],
        bearer_methods_supported: ['header'],
      });
    }
  });
});

describe('no token', () => {
  it('401 with the exact baseline challenge and a JSON body, for every method and verb', async () => {
    const s = served();
    for (const body of [initialize(), call('list_invoices'), call('refund_invoice', { id: 'inv_1001' })]) {
      const reply = await post(s, body);
      expect(reply.status).toBe(401);
      expect(reply.challenge).toBe(baselineChallenge(s));
      expect(reply.contentType).toMatch(/^application\/json/);
      expectOAuthBody(reply.json, undefined);
    }
    for (const method of ['GET', 'DELETE']) {
      const reply = await answer(await fetch(s.endpoint, { method, headers: mcpHeaders() }));
      expect(reply.status).toBe(401);
      expect(reply.challenge).toBe(baselineChallenge(s));
    }
  });

  it('a Basic Authorization is treated as no token', async () => {
    const s = served();
    const reply = await post(s, initialize(), undefined, { authorization: 'Basic dXNlcjpwYXNz' });
    expect(reply.status).toBe(401);
    expect(reply.challenge).toBe(baselineChallenge(s));
  });
});

describe('invalid tokens: 401 invalid_token, the baseline scope, nothing untrusted echoed', () => {
  const cases: [string, (s: Served) => Promise<string>][] = [
    ['expired', (s) => s.token({ iat: now() - 1000, exp: now() - 120 })],
    ['signed by a key the JWKS lacks', (s) => s.token({}, { key: s.keys.strangerPrivate })],
    ['for another audience', (s) => s.token({ aud: 'http://127.0.0.1:1/mcp' })],
    ['for the origin without /mcp', (s) => s.token({ aud: s.url })],
    ['of the wrong typ', (s) => s.token({}, { header: { typ: 'JWT' } })],
    ['from another issuer', (s) => s.token({ iss: 'https://evil.test' })],
    [
      'alg none',
      async (s) =>
        handcrafted(
          { alg: 'none', typ: 'at+jwt' },
          { iss: ISSUER, aud: s.audience, sub: 'u', client_id: 'c', iat: now(), exp: now() + 300, jti: 'x' },
        ),
    ],
    [
      'HMAC with the public key',
      (s) =>
        new SignJWT({
          iss: ISSUER,
          aud: s.audience,
          sub: 'u',
          client_id: 'c',
          scope: 'invoices:read',
          iat: now(),
          exp: now() + 300,
          jti: 'hmac-1',
        })
          .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: 'rsa-1' })
          .sign(new TextEncoder().encode(s.keys.rsaPublicPem)),
    ],
    ['not a JWT', async () => 'abc.def.ghi'],
    ['with a scope that is not a string', (s) => s.token({ scope: ['invoices:read'] })],
    ['issued 120 s in the future', (s) => s.token({ iat: now() + 120 })],
    ['over 8 KiB', (s) => s.token({ pad: 'x'.repeat(9000) })],
    ['for a hostile audience', (s) => s.token({ aud: 'x", error="evil' })],
    ['with a hostile unknown kid', (s) => s.token({}, { header: { kid: 'evil", scope="evil' } })],
  ];

  it.each(cases)('%s', async (_, make) => {
    const s = served();
    const token = await make(s);
    const reply = await post(s, call('list_invoices'), token);
    expect(reply.status).toBe(401);
    expect(reply.challenge).toMatch(invalidToken(s));
    expect(reply.challenge).not.toContain('evil');
    expectOAuthBody(reply.json, 'invalid_token');
    expect(reply.text).not.toContain('evil');
  });

  it('the same refusal gives the same header, byte for byte', async () => {
    const s = served();
    const first = await post(s, call('refund_invoice', { id: 'inv_1001' }), await s.token({ exp: now() - 120 }));
    const second = await post(s, initialize(), await s.token({ exp: now() - 500, sub: 'someone-else' }));
    expect(first.challenge).not.toBeNull();
    expect(second.challenge).toBe(first.challenge);
    const a = await post(s, call('export_invoices'), await s.token());
    const b = await post(s, call('export_invoices'), await s.token({ sub: 'other' }));
    expect(a.status).toBe(403);
    expect(b.challenge).toBe(a.challenge);
  });
});

describe('the Authorization header is the only carrier', () => {
  it('the scheme is case-insensitive (RFC 9110 §11.1)', async () => {
    const s = served();
    const reply = await post(s, rpc('ping'), undefined, { authorization: `bearer ${await s.token()}` });
    expect(reply.status).toBe(200);
  });

  it('an access_token member in the JSON body is a token in the body: 400 invalid_request, alone or beside the header', async () => {
    const s = served();
    const token = await s.token();
    const body = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/call',
      params: { name: 'list_invoices', arguments: {} },
      access_token: token,
    });
    for (const header of [undefined, token]) {
      const reply = await post(s, body, header);
      expect(reply.status).toBe(400);
      expect(reply.challenge).toMatch(/^Bearer realm="invoices", error="invalid_request", /);
      expect(reply.challenge).toContain(`resource_metadata="${s.metadataUrl}"`);
      expectOAuthBody(reply.json, 'invalid_request');
    }
  });

  it('a form-encoded body with access_token (RFC 6750 §2.2) is 400 invalid_request, not a parse error', async () => {
    const s = served();
    const reply = await answer(
      await fetch(s.endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json, text/event-stream' },
        body: new URLSearchParams({ access_token: await s.token() }),
      }),
    );
    expect(reply.status).toBe(400);
    expect(reply.challenge).toMatch(/^Bearer realm="invoices", error="invalid_request", /);
    expectOAuthBody(reply.json, 'invalid_request');
  });
});

describe('request syntax: 400 invalid_request', () => {
  const malformed = ['Bearer', 'Bearer ', 'Bearer a b', 'Bearer  ', 'Bearer "quoted"', 'Bearer a,b'];

  it.each(malformed)('Authorization %j', async (value) => {
    const s = served();
    const reply = await post(s, initialize(), undefined, { authorization: value });
    expect(reply.status).toBe(400);
    expect(reply.challenge).toMatch(/^Bearer realm="invoices", error="invalid_request", /);
    expect(reply.challenge).toContain(`resource_metadata="${s.metadataUrl}"`);
    expectOAuthBody(reply.json, 'invalid_request');
  });

  it('two Authorization headers, even both valid', async () => {
    const s = served();
    const token = await s.token();
    const headers = new Headers(mcpHeaders(token));
    headers.append('authorization', `Bearer ${token}`);
    // fetch joins repeats with ", ": a raw request shows the two fields as sent.
    const raw = await rawPost(s, initialize(), [
      ['authorization', `Bearer ${token}`],
      ['authorization', `Bearer ${token}`],
    ]);
    expect(raw.status).toBe(400);
    expect(raw.headers['www-authenticate']).toMatch(/^Bearer realm="invoices", error="invalid_request", /);
    expect(JSON.parse(raw.body)).toMatchObject({ error: 'invalid_request' });
    const joined = await answer(await fetch(s.endpoint, { method: 'POST', headers, body: initialize() }));
    expect(joined.status).toBe(400);
  });

  it('a token in the query, alone or beside a valid header', async () => {
    const s = served();
    const token = await s.token();
    const alone = await answer(
      await fetch(`${s.endpoint}?access_token=${token}`, { method: 'POST', headers: mcpHeaders(), body: initialize() }),
    );
    expect(alone.status).toBe(400);
    expect(alone.challenge).toMatch(/error="invalid_request"/);
    const both = await answer(
      await fetch(`${s.endpoint}?access_token=${token}`, {
        method: 'POST',
        headers: mcpHeaders(token),
        body: initialize(),
      }),
    );
    expect(both.status).toBe(400);
  });
});
