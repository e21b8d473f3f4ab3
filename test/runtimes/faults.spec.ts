/**
 * Fail closed on each runtime: when the key set cannot be had, 503 with Retry-After within the
 * server's 2 s fetch timeout, never an allow; keys fetched earlier keep serving (on workerd, too,
 * across requests). Each scenario gets a fresh server, since servers keep the keys they fetched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectRefusal, expectUnavailable, refusal } from '../blackbox/support/challenge.js';
import { bearer, send } from '../blackbox/support/http.js';
import { type JwksServer, startJwksServer } from '../blackbox/support/jwks-server.js';
import { createKeys, ISSUER, mint } from '../blackbox/support/keys.js';
import { bundled } from './support/fixture.js';
import { type RunningRuntime, type RuntimeName, startRuntime } from './support/runtimes.js';
import { CASES } from './support/select.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function scenario(runtime: RuntimeName, app: string) {
  const keys = await createKeys();
  const jwks: JwksServer = await startJwksServer(keys.jwks);
  cleanups.push(() => jwks.close());
  const server: RunningRuntime = await startRuntime(runtime, await bundled(runtime), {
    ISSUER,
    JWKS_URI: jwks.url,
    APP: app,
  });
  cleanups.push(() => server.stop());
  const token = (scope = 'invoices:read') => mint(keys, server.url, { claims: { scope } });
  return { jwks, server, token };
}

describe.each(CASES)('%s (%s handler): the key set cannot be had', (runtime, app) => {
  it.each([
    ['hang (never responds)', 'hang'],
    ['closed (connection refused)', 'closed'],
    ['500', 'error500'],
    ['not JSON', 'garbage'],
  ] as const)('JWKS %s: 503 with Retry-After, within 3 s, and again on another route', async (_, fault) => {
    const { jwks, server, token } = await scenario(runtime, app);
    if (fault === 'closed') await jwks.close();
    else jwks.mode = fault;
    const started = Date.now();
    const reply = await send(server.url, '/invoices', { headers: bearer(await token()) });
    expectUnavailable(reply, 'keys_unavailable');
    expect(Date.now() - started).toBeLessThan(3000);
    const again = await send(server.url, '/invoices/export', {
      method: 'POST',
      headers: bearer(await token('invoices:export')),
    });
    expectUnavailable(again, 'keys_unavailable');
  });

  it('request syntax is answered without the keys; an empty key set lacks the kid (401)', async () => {
    const { jwks, server, token } = await scenario(runtime, app);
    jwks.mode = 'error500';
    expectRefusal(await send(server.url, '/invoices'), server.url, refusal('token_missing'));
    expectRefusal(await send(server.url, '/invoices?access_token=x'), server.url, refusal('token_in_query'));
    jwks.mode = 'empty';
    const reply = await send(server.url, '/invoices', { headers: bearer(await token()) });
    expectRefusal(reply, server.url, refusal('token_key_unknown'));
  });

  it('keys fetched earlier keep serving while the JWKS endpoint is down', async () => {
    const { jwks, server, token } = await scenario(runtime, app);
    expect((await send(server.url, '/invoices', { headers: bearer(await token()) })).status).toBe(200);
    await jwks.close();
    for (let i = 0; i < 3; i++)
      expect((await send(server.url, '/invoices', { headers: bearer(await token()) })).status).toBe(200);
  });
});
