/**
 * Configuration errors stop the example before it listens, naming the variable; an empty
 * variable counts as unset.
 */
import { describe, expect, it } from 'vitest';
import { EXAMPLES, runToExit, startExample } from './support/example.js';

describe.each(EXAMPLES)('%s: configuration', (name) => {
  it.each([
    [{ ISSUER: 'https://issuer.test' }, 'JWKS_URI'],
    [{ JWKS_URI: 'http://127.0.0.1:1/jwks' }, 'ISSUER'],
    [{ ISSUER: 'https://issuer.test', JWKS_URI: 'not-a-url' }, 'JWKS_URI'],
    [{ PORT: 'abc' }, 'PORT'],
    [{ AUDIENCE: 'nope' }, 'AUDIENCE'],
    [{ REDIS_URL: 'http://127.0.0.1:6379' }, 'REDIS_URL'],
  ])('%j exits non-zero naming %s', async (env, variable) => {
    const { code, stdout, stderr } = await runToExit(name, { PORT: '0', ISSUER: '', JWKS_URI: '', ...env });
    expect(code).not.toBe(0);
    expect(stdout).not.toContain('listening on');
    expect(stderr).toContain(variable);
  });

  it('counts empty variables as unset and starts with the embedded demo issuer', async () => {
    const example = await startExample(name, { ISSUER: '', JWKS_URI: '', AUDIENCE: '', REDIS_URL: '' });
    try {
      expect(example.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      await example.stop();
    }
  });
});
