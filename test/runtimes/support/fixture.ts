/**
 * One conformance server on one runtime, with its own JWKS server on loopback, started before a
 * describe block's tests and stopped after them (the same shape as test/blackbox's fixture, so the
 * black-box helpers apply unchanged).
 */
import { afterAll, beforeAll } from 'vitest';
import { type JwksServer, startJwksServer } from '../../blackbox/support/jwks-server.js';
import { createKeys, ISSUER, type MintOptions, mint, type TestKeys } from '../../blackbox/support/keys.js';
import { bundle, type RunningRuntime, type RuntimeName, startRuntime } from './runtimes.js';

export interface RuntimeFixture {
  readonly url: string;
  readonly keys: TestKeys;
  readonly jwks: JwksServer;
  readonly server: RunningRuntime;
  mint(options?: MintOptions): Promise<string>;
  withScope(scope: string, claims?: Record<string, unknown>): Promise<string>;
}

const bundles = new Map<RuntimeName, Promise<string>>();
/** Each runtime's bundle is built once per run. */
export function bundled(runtime: RuntimeName): Promise<string> {
  let found = bundles.get(runtime);
  if (found === undefined) {
    found = bundle(runtime);
    bundles.set(runtime, found);
  }
  return found;
}

/** `APP` picks the handler: `web` (the core's Web module) or `hono`. */
export function useRuntime(runtime: RuntimeName, app: string, env: Record<string, string> = {}): RuntimeFixture {
  const state: Partial<RuntimeFixture> = {};
  beforeAll(async () => {
    const keys = await createKeys();
    const jwks = await startJwksServer(keys.jwks);
    Object.assign(state, { keys, jwks }); // closed in afterAll even if the runtime fails to start
    const server = await startRuntime(runtime, await bundled(runtime), {
      ISSUER,
      JWKS_URI: jwks.url,
      APP: app,
      ...env,
    });
    Object.assign(state, { server, url: server.url });
  });
  afterAll(async () => {
    await state.server?.stop();
    await state.jwks?.close();
  });
  return {
    get url() {
      return state.url as string;
    },
    get keys() {
      return state.keys as TestKeys;
    },
    get jwks() {
      return state.jwks as JwksServer;
    },
    get server() {
      return state.server as RunningRuntime;
    },
    mint: (options) => mint(state.keys as TestKeys, state.url as string, options),
    withScope: (scope, claims = {}) =>
      mint(state.keys as TestKeys, state.url as string, { claims: { scope, ...claims } }),
  };
}
