/**
 * Configuration errors stop the example before it listens, with a non-zero exit and a message
 * naming the variable; an empty variable counts as unset.
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLES, runToExit, startExample } from './support/example.js';
import { send } from './support/http.js';

const JWKS = 'http://127.0.0.1:1/jwks';

// Concurrent: each case is its own short-lived process, and nothing here is timed.
describe.concurrent.each(EXAMPLES)('%s: configuration', (name) => {
  it.each([
    [{ ISSUER: 'https://issuer.test' }, 'JWKS_URI'],
    [{ ISSUER: 'https://issuer.test', JWKS_URI: '' }, 'JWKS_URI'],
    [{ JWKS_URI: JWKS }, 'ISSUER'],
    [{ ISSUER: '', JWKS_URI: JWKS }, 'ISSUER'],
    [{ ISSUER: 'https://issuer.test', JWKS_URI: 'not-a-url' }, 'JWKS_URI'],
    [{ ISSUER: 'https://issuer.test', JWKS_URI: 'ftp://127.0.0.1/jwks' }, 'JWKS_URI'],
    [{ PORT: 'abc' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ PORT: '-1' }, 'PORT'],
    [{ AUDIENCE: 'nope' }, 'AUDIENCE'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
    // The examples' extensions beyond the contract (pnpm demo uses them).
    [{ INTROSPECT_REFUND: '1' }, 'INTROSPECT_REFUND'],
    [{ REVOCATION_REDIS_URL: 'http://127.0.0.1:6379' }, 'REVOCATION_REDIS_URL'],
  ])(
    '%j exits non-zero naming %s',
    async (env, variable) => {
      const { code, stdout, stderr } = await runToExit(name, { PORT: '0', ...env });
      expect(code).not.toBe(0);
      expect(code).not.toBeNull();
      expect(stdout).not.toContain('listening on');
      expect(stderr).toContain(variable);
    },
    60_000,
  );

  it('counts empty variables as unset and starts with the embedded demo issuer', async () => {
    const example = await startExample(name, { ISSUER: '', JWKS_URI: '', AUDIENCE: '', REDIS_URL: '' });
    try {
      expect(example.url).toMatch(/^http:\/\/127\.0\.0\.1:[1-9]\d*$/);
      expect((await send(example.url, '/health')).json).toEqual({ status: 'ok' });
      const metadata = await send(example.url, '/.well-known/oauth-protected-resource');
      expect(metadata.status).toBe(200);
      // AUDIENCE="" is the default http://HOST:PORT; ISSUER="" the embedded demo issuer.
      expect(metadata.json?.resource).toBe(example.url);
      const servers = metadata.json?.authorization_servers as string[];
      expect(servers).toHaveLength(1);
      expect(servers[0]).toMatch(/^http:\/\/127\.0\.0\.1:\d+/);
      expect(servers[0]).not.toBe(example.url);
    } finally {
      await example.stop();
    }
  });
});
