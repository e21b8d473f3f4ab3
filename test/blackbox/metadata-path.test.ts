/**
 * RFC 9728 §3.1: a path in AUDIENCE moves the metadata document, and only it. The audience
 * names the example's own address, so the port is chosen before the example starts.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/redis-server.js';
import { expectRefusal, refusal } from './support/challenge.js';
import { EXAMPLES, startExample } from './support/example.js';
import { bearer, send } from './support/http.js';
import { startJwksServer } from './support/jwks-server.js';
import { createKeys, ISSUER, mint } from './support/keys.js';

const WELL_KNOWN = '/.well-known/oauth-protected-resource';

describe.each(EXAMPLES)('%s: a resource identifier with a path', (name) => {
  it.each([
    ['/api-ish', '/api-ish'],
    ['/api/v1', '/api/v1'],
    ['/api/', '/api'],
  ])('AUDIENCE with the path %s: metadata at the well-known path + %s, routes in place', async (path, suffix) => {
    const keys = await createKeys();
    const jwks = await startJwksServer(keys.jwks);
    const port = await freePort();
    const origin = `http://127.0.0.1:${port}`;
    const audience = `${origin}${path}`;
    const example = await startExample(name, { PORT: String(port), ISSUER, JWKS_URI: jwks.url, AUDIENCE: audience });
    try {
      expect(example.url).toBe(origin);
      const metadata = await send(origin, `${WELL_KNOWN}${suffix}`);
      expect(metadata.status).toBe(200);
      expect(metadata.json).toEqual({
        resource: audience,
        authorization_servers: [ISSUER],
        scopes_supported: expect.any(Array),
        bearer_methods_supported: ['header'],
      });
      // Not at the origin's well-known path, nor under the path.
      expect((await send(origin, WELL_KNOWN)).status).toBe(404);
      expect((await send(origin, `${suffix}${WELL_KNOWN}`)).status).toBe(404);

      const token = await mint(keys, audience, { claims: { scope: 'invoices:read' } });
      const list = await send(origin, '/invoices', { headers: bearer(token) });
      expect(list.status).toBe(200);
      expect(list.json?.invoices).toHaveLength(10);
      expect((await send(origin, `${suffix}/invoices`, { headers: bearer(token) })).status).toBe(404);

      // The challenge points at the moved document.
      const resourceMetadata = `${origin}${WELL_KNOWN}${suffix}`;
      expectRefusal(await send(origin, '/invoices'), origin, { ...refusal('token_missing'), resourceMetadata });
      // `aud` must contain AUDIENCE, not the origin.
      const forOrigin = await mint(keys, origin, { claims: { scope: 'invoices:read' } });
      expectRefusal(await send(origin, '/invoices', { headers: bearer(forOrigin) }), origin, {
        ...refusal('token_audience'),
        resourceMetadata,
      });
    } finally {
      await example.stop();
      await jwks.close();
    }
  });
});
