/**
 * RFC 9728 §3.1: a path in AUDIENCE moves the metadata document, and only it.
 */
import { describe, expect, it } from 'vitest';
import { freePort } from '../support/redis-server.js';
import { EXAMPLES, startExample } from './support/example.js';
import { bearer, send } from './support/http.js';
import { startJwksServer } from './support/jwks-server.js';
import { createKeys, ISSUER, mint } from './support/keys.js';

describe.each(EXAMPLES)('%s: a resource identifier with a path', (name) => {
  it('serves the metadata under the path and keeps the routes in place', async () => {
    const keys = await createKeys();
    const jwks = await startJwksServer(keys.jwks);
    const port = await freePort();
    const audience = `http://127.0.0.1:${port}/api/v1`;
    const example = await startExample(name, { PORT: String(port), ISSUER, JWKS_URI: jwks.url, AUDIENCE: audience });
    try {
      const metadata = await send(example.url, '/.well-known/oauth-protected-resource/api/v1');
      expect(metadata.status).toBe(200);
      expect(metadata.json?.resource).toBe(audience);
      expect((await send(example.url, '/.well-known/oauth-protected-resource')).status).toBe(404);

      const token = await mint(keys, audience, { claims: { scope: 'invoices:read' } });
      expect((await send(example.url, '/invoices', { headers: bearer(token) })).status).toBe(200);
      const refused = await send(example.url, '/invoices');
      expect(refused.challenge).toBe(
        `Bearer realm="invoices", resource_metadata="http://127.0.0.1:${port}/.well-known/oauth-protected-resource/api/v1"`,
      );
    } finally {
      await example.stop();
      await jwks.close();
    }
  });
});
