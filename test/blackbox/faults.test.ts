/**
 * Fail closed: when the key set cannot be had the answer is 503 with Retry-After, within the
 * examples' 2 s fetch timeout, never an allow and never a hang.
 */
import { describe, expect, it } from 'vitest';
import { challengeFor } from './support/challenge.js';
import { EXAMPLES, startExample } from './support/example.js';
import { bearer, send } from './support/http.js';
import { type JwksMode, startJwksServer } from './support/jwks-server.js';
import { createKeys, ISSUER, mint } from './support/keys.js';

async function firstRequestWith(name: (typeof EXAMPLES)[number], mode: JwksMode | 'closed') {
  const keys = await createKeys();
  const jwks = await startJwksServer(keys.jwks);
  const example = await startExample(name, { ISSUER, JWKS_URI: jwks.url });
  try {
    if (mode === 'closed') await jwks.close();
    else jwks.mode = mode;
    const token = await mint(keys, example.url, { claims: { scope: 'invoices:read' } });
    const started = Date.now();
    const reply = await send(example.url, '/invoices', { headers: bearer(token) });
    return { reply, elapsed: Date.now() - started };
  } finally {
    await example.stop();
    if (mode !== 'closed') await jwks.close();
  }
}

describe.each(EXAMPLES)('%s: the key set cannot be had', (name) => {
  it.each(['hang', 'closed', 'error500', 'garbage'] as const)('JWKS %s: 503 with Retry-After', async (mode) => {
    const { reply, elapsed } = await firstRequestWith(name, mode);
    expect(reply.status).toBe(503);
    expect(reply.headers['retry-after']).toMatch(/^\d+$/);
    expect(reply.challenge).toBeUndefined();
    expect(reply.json).toEqual({
      error_description: 'The keys to verify the access token are unavailable; retry later',
    });
    expect(elapsed).toBeLessThan(3500);
  });

  it('an empty key set is a set without the kid: 401 invalid_token', async () => {
    const keys = await createKeys();
    const jwks = await startJwksServer(keys.jwks);
    const example = await startExample(name, { ISSUER, JWKS_URI: jwks.url });
    try {
      jwks.mode = 'empty';
      const token = await mint(keys, example.url, { claims: { scope: 'invoices:read' } });
      const reply = await send(example.url, '/invoices', { headers: bearer(token) });
      expect(reply.status).toBe(401);
      expect(reply.challenge).toBe(challengeFor(example.url, 'token_key_unknown'));
    } finally {
      await example.stop();
      await jwks.close();
    }
  });

  it('keys fetched earlier keep serving while the JWKS endpoint is down', async () => {
    const keys = await createKeys();
    const jwks = await startJwksServer(keys.jwks);
    const example = await startExample(name, { ISSUER, JWKS_URI: jwks.url });
    try {
      const token = await mint(keys, example.url, { claims: { scope: 'invoices:read' } });
      expect((await send(example.url, '/invoices', { headers: bearer(token) })).status).toBe(200);
      jwks.mode = 'hang';
      expect((await send(example.url, '/invoices', { headers: bearer(token) })).status).toBe(200);
    } finally {
      await example.stop();
      await jwks.close();
    }
  });
});
