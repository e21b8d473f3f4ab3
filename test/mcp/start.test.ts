/**
 * shared/mcp-invoices.md, "Start": the `listening on` line, configuration errors that exit
 * non-zero naming the variable, empty values as unset, the `AUDIENCE` default and its
 * normalisation, and `STEP_UP_MAX_AGE`. Always with an external issuer.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToExit } from '../blackbox/support/example.js';
import { startJwksServer } from '../blackbox/support/jwks-server.js';
import { createKeys } from '../blackbox/support/keys.js';
import {
  call,
  ISSUER,
  insufficientScope,
  MFA,
  metadataUrlOf,
  now,
  post,
  resultOf,
  type Served,
  startServed,
} from './support.js';

const EXTERNAL = { ISSUER, JWKS_URI: 'http://127.0.0.1:9/jwks' };

describe('configuration errors exit non-zero, naming the variable, before listening', () => {
  it.each([
    ['STEP_UP_MAX_AGE', { ...EXTERNAL, STEP_UP_MAX_AGE: 'abc' }],
    ['STEP_UP_MAX_AGE', { ...EXTERNAL, STEP_UP_MAX_AGE: '0' }],
    ['STEP_UP_MAX_AGE', { ...EXTERNAL, STEP_UP_MAX_AGE: '-1' }],
    ['STEP_UP_MAX_AGE', { ...EXTERNAL, STEP_UP_MAX_AGE: '1.5' }],
    ['STEP_UP_MAX_AGE', { ...EXTERNAL, STEP_UP_MAX_AGE: ' 30' }],
    ['JWKS_URI', { ISSUER }],
    ['JWKS_URI', { ISSUER, JWKS_URI: '' }],
    ['ISSUER', { ISSUER: '', JWKS_URI: EXTERNAL.JWKS_URI }],
    ['AUDIENCE', { ...EXTERNAL, AUDIENCE: 'not a url' }],
    ['AUDIENCE', { ...EXTERNAL, AUDIENCE: 'ftp://invoices.test/mcp' }],
    ['AUDIENCE', { ...EXTERNAL, AUDIENCE: 'http://invoices.test/mcp#top' }],
  ])(
    '%s in %j',
    async (variable, env) => {
      const run = await runToExit('mcp-invoices', { PORT: '0', ...env });
      expect(run.code).not.toBe(0);
      expect(run.code).not.toBeNull();
      expect(run.stderr).toContain(variable);
      expect(run.stdout).not.toContain('listening on');
    },
    60_000,
  );
});

describe('empty values count as unset', () => {
  let served: Served;
  beforeAll(async () => {
    served = await startServed({ env: { HOST: '', AUDIENCE: '', REDIS_URL: '', STEP_UP_MAX_AGE: '' } });
  }, 30_000);
  afterAll(async () => {
    await served?.example.stop();
    await served?.jwks.close();
  });

  it('listens on the default host with AUDIENCE = http://HOST:PORT/mcp', async () => {
    expect(served.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const metadata = await (await fetch(`${served.url}/.well-known/oauth-protected-resource/mcp`)).json();
    expect(metadata).toMatchObject({ resource: `${served.url}/mcp` });
    const reply = await post(served, call('list_invoices'), await served.token());
    expect(resultOf(reply).structuredContent?.invoices).toHaveLength(10);
  });

  it('STEP_UP_MAX_AGE defaults to 600, and single use is in memory (no 503)', async () => {
    const claims = { scope: 'invoices:read payments:refund', acr: MFA };
    const old = await post(
      served,
      call('refund_invoice', { id: 'inv_1001' }),
      await served.token({ ...claims, auth_time: now() - 601 }),
    );
    expect(old.status).toBe(403);
    const recent = await post(
      served,
      call('refund_invoice', { id: 'inv_1001' }),
      await served.token({ ...claims, auth_time: now() - 590 }),
    );
    expect(resultOf(recent).structuredContent).toMatchObject({ status: 'refunded' });
  });
});

describe('AUDIENCE with an upper-case scheme and host, and STEP_UP_MAX_AGE=30', () => {
  const given = 'HTTP://Invoices.EXAMPLE:8443/mcp';
  const canonical = 'http://invoices.example:8443/mcp';
  let served: Served;
  beforeAll(async () => {
    const keys = await createKeys();
    const jwks = await startJwksServer(keys.jwks);
    served = await startServed(
      { env: { AUDIENCE: given, STEP_UP_MAX_AGE: '30' }, audience: () => canonical },
      { keys, jwks },
    );
  }, 30_000);
  afterAll(async () => {
    await served?.example.stop();
    await served?.jwks.close();
  });

  it('the metadata names the lower-case resource, at the path-inserted URL', async () => {
    const response = await fetch(`${served.url}/.well-known/oauth-protected-resource/mcp`);
    expect(await response.json()).toEqual({
      resource: canonical,
      authorization_servers: [ISSUER],
      scopes_supported: ['invoices:read'],
      bearer_methods_supported: ['header'],
    });
  });

  it('a token for the lower-case URI is accepted; challenges name the lower-case metadata URL', async () => {
    const reply = await post(served, call('get_invoice', { id: 'inv_1002' }), await served.token());
    expect(resultOf(reply).structuredContent).toMatchObject({ id: 'inv_1002' });
    const refused = await post(served, call('list_invoices'));
    expect(refused.challenge).toBe(
      `Bearer realm="invoices", scope="invoices:read", resource_metadata="${metadataUrlOf(canonical)}"`,
    );
    expect(metadataUrlOf(canonical)).toBe('http://invoices.example:8443/.well-known/oauth-protected-resource/mcp');
  });

  it('aud must contain the canonical form exactly', async () => {
    for (const aud of [given, 'http://invoices.example:8443/MCP', 'http://invoices.example:8443/mcp/']) {
      const reply = await post(served, call('list_invoices'), await served.token({ aud }));
      expect(reply.status).toBe(401);
      expect(reply.challenge).toContain('error="invalid_token"');
    }
    const listed = await post(served, call('list_invoices'), await served.token({ aud: ['other', canonical] }));
    expect(listed.status).toBe(200);
  });

  it('auth_time 31 s old is refused with 403, 29 s old is allowed', async () => {
    const claims = { scope: 'invoices:read payments:refund', acr: MFA };
    const old = await post(
      served,
      call('refund_invoice', { id: 'inv_1003' }),
      await served.token({ ...claims, auth_time: now() - 31 }),
    );
    expect(old.status).toBe(403);
    expect(old.challenge).toMatch(insufficientScope(served, 'invoices:read payments:refund'));
    const recent = await post(
      served,
      call('refund_invoice', { id: 'inv_1003' }),
      await served.token({ ...claims, auth_time: now() - 29 }),
    );
    expect(resultOf(recent).structuredContent).toMatchObject({ id: 'inv_1003', status: 'refunded' });
  });
});

describe('AUDIENCE with another path moves only the metadata document', () => {
  const audience = 'https://api.invoices.example/v1/mcp';
  let served: Served;
  beforeAll(async () => {
    served = await startServed({ env: { AUDIENCE: audience }, audience: () => audience });
  }, 30_000);
  afterAll(async () => {
    await served?.example.stop();
    await served?.jwks.close();
  });

  it('metadata at the path-inserted URL of AUDIENCE and at the root; the endpoint stays /mcp', async () => {
    for (const path of ['/.well-known/oauth-protected-resource/v1/mcp', '/.well-known/oauth-protected-resource']) {
      const response = await fetch(`${served.url}${path}`);
      expect(response.status).toBe(200);
      expect(await response.json()).toMatchObject({ resource: audience });
    }
    const refused = await post(served, call('list_invoices'));
    expect(refused.challenge).toBe(
      `Bearer realm="invoices", scope="invoices:read", resource_metadata="https://api.invoices.example/.well-known/oauth-protected-resource/v1/mcp"`,
    );
    const reply = await post(served, call('list_invoices'), await served.token());
    expect(resultOf(reply).structuredContent?.invoices).toHaveLength(10);
  });
});
