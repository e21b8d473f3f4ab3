/**
 * The other black-box suites run the examples compiled once per test run (support/example.ts);
 * this one starts each exactly as a user and the contract do, `pnpm --dir examples/<name> start`
 * (tsx, the workspace's own packages), and checks an allow, a step-up refusal byte for byte and the
 * metadata document, so that a start-up path only `pnpm start` takes cannot break unseen.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectRefusal, refusal } from './support/challenge.js';
import { EXAMPLES, type RunningExample, startExample } from './support/example.js';
import { bearer, send } from './support/http.js';
import { type JwksServer, startJwksServer } from './support/jwks-server.js';
import { createKeys, ISSUER, mint, type TestKeys } from './support/keys.js';

let keys: TestKeys;
let jwks: JwksServer;
const running = new Map<string, RunningExample>();

beforeAll(async () => {
  keys = await createKeys();
  jwks = await startJwksServer(keys.jwks);
  // One at a time: four tsx compilations at once would only slow each other down.
  for (const name of EXAMPLES) {
    running.set(name, await startExample(name, { ISSUER, JWKS_URI: jwks.url }, { via: 'pnpm start' }));
  }
}, 180_000);

afterAll(async () => {
  await Promise.all([...running.values()].map((example) => example.stop()));
  await jwks?.close();
});

describe.each(EXAMPLES)('%s, started by pnpm start', (name) => {
  const url = () => (running.get(name) as RunningExample).url;

  it('allows a sufficient token, refuses a missing one with the exact challenge, serves the metadata', async () => {
    const token = await mint(keys, url(), { claims: { scope: 'invoices:read' } });
    const allowed = await send(url(), '/invoices', { headers: bearer(token) });
    expect(allowed.status, allowed.text).toBe(200);
    expect(Array.isArray((allowed.json as { invoices?: unknown }).invoices)).toBe(true);
    expectRefusal(await send(url(), '/invoices'), url(), refusal('token_missing'));
    const metadata = await send(url(), '/.well-known/oauth-protected-resource');
    expect(metadata.status).toBe(200);
    expect(metadata.json).toMatchObject({ resource: url(), authorization_servers: [ISSUER] });
  });
});
