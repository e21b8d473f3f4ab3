/**
 * Fail closed: when the key set cannot be had the answer is 503 with Retry-After, within the
 * examples' 2 s fetch timeout, never an allow and never a hang. Each scenario gets a fresh
 * example process, since the examples keep the keys they fetched.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { expectRefusal, expectUnavailable, refusal } from './support/challenge.js';
import { EXAMPLES, type ExampleName, type RunningExample, startExample } from './support/example.js';
import { bearer, send } from './support/http.js';
import { type JwksServer, startJwksServer } from './support/jwks-server.js';
import { createKeys, ISSUER, mint, type TestKeys } from './support/keys.js';

type Fault = 'hang' | 'closed' | 'error500' | 'garbage';

interface Scenario {
  readonly keys: TestKeys;
  readonly jwks: JwksServer;
  readonly example: RunningExample;
  readonly token: (scope?: string) => Promise<string>;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  // Runs when a test fails too: no example process outlives its test.
  while (cleanups.length > 0) await cleanups.pop()?.();
});

async function scenario(name: ExampleName): Promise<Scenario> {
  const keys = await createKeys();
  const jwks = await startJwksServer(keys.jwks);
  cleanups.push(() => jwks.close());
  const example = await startExample(name, { ISSUER, JWKS_URI: jwks.url });
  cleanups.push(() => example.stop());
  const token = (scope = 'invoices:read') => mint(keys, example.url, { claims: { scope } });
  return { keys, jwks, example, token };
}

async function timed<T>(request: Promise<T>): Promise<[T, number]> {
  const started = Date.now();
  const reply = await request;
  return [reply, Date.now() - started];
}

describe.each(EXAMPLES)('%s: the key set cannot be had', (name) => {
  it.each([
    ['hang (never responds)', 'hang'],
    ['closed (connection refused)', 'closed'],
    ['500', 'error500'],
    ['not JSON', 'garbage'],
  ] as [string, Fault][])('JWKS %s: 503 with Retry-After, within 3 s', async (_, fault) => {
    const { jwks, example, token } = await scenario(name);
    if (fault === 'closed') await jwks.close();
    else jwks.mode = fault;
    const [reply, elapsed] = await timed(send(example.url, '/invoices', { headers: bearer(await token()) }));
    expectUnavailable(reply, 'keys_unavailable');
    expect(elapsed).toBeLessThan(3000);
    // Never an allow: not on a second try, not on another route.
    const [again] = await timed(
      send(example.url, '/invoices/export', { method: 'POST', headers: bearer(await token('invoices:export')) }),
    );
    expectUnavailable(again, 'keys_unavailable');
    if (fault !== 'closed') expect(jwks.requests).toBeGreaterThanOrEqual(1);
  });

  it('request syntax is still answered without the keys: 400 and 401 without error stay as they are', async () => {
    const { jwks, example } = await scenario(name);
    jwks.mode = 'error500';
    expectRefusal(await send(example.url, '/invoices'), example.url, refusal('token_missing'));
    const query = await send(example.url, '/invoices?access_token=x');
    expectRefusal(query, example.url, refusal('token_in_query'));
  });

  it('a token that is not a JWT needs no keys: 401, even while the key set is down', async () => {
    const { jwks, example } = await scenario(name);
    jwks.mode = 'hang';
    const [reply, elapsed] = await timed(send(example.url, '/invoices', { headers: bearer('abc.def.ghi') }));
    expectRefusal(reply, example.url, refusal('token_malformed'));
    expect(elapsed).toBeLessThan(1000);
  });

  it('an empty key set is a set without the kid: 401 invalid_token', async () => {
    const { jwks, example, token } = await scenario(name);
    jwks.mode = 'empty';
    const reply = await send(example.url, '/invoices', { headers: bearer(await token()) });
    expectRefusal(reply, example.url, refusal('token_key_unknown'));
  });

  it('keys fetched earlier keep serving while the JWKS endpoint is down', async () => {
    const { jwks, example, token } = await scenario(name);
    expect((await send(example.url, '/invoices', { headers: bearer(await token()) })).status).toBe(200);
    jwks.mode = 'hang';
    expect((await send(example.url, '/invoices', { headers: bearer(await token()) })).status).toBe(200);
    await jwks.close();
    expect((await send(example.url, '/invoices', { headers: bearer(await token()) })).status).toBe(200);
  });

  it('service resumes without a restart once the key set is back', async () => {
    const { jwks, example, token } = await scenario(name);
    jwks.mode = 'error500';
    const refused = await send(example.url, '/invoices', { headers: bearer(await token()) });
    expectUnavailable(refused, 'keys_unavailable');
    jwks.mode = 'ok';
    // A failed fetch starts a backoff; a client that honours Retry-After is served when it returns.
    await new Promise((resolve) => setTimeout(resolve, Number(refused.headers['retry-after']) * 1000));
    expect((await send(example.url, '/invoices', { headers: bearer(await token()) })).status).toBe(200);
  });
});
