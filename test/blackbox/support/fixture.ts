/**
 * One example process with its own JWKS server, started before a describe block's tests
 * and stopped after them.
 */
import { afterAll, beforeAll } from 'vitest';
import { type ExampleName, type RunningExample, startExample } from './example.js';
import { type JwksServer, startJwksServer } from './jwks-server.js';
import { createKeys, ISSUER, type MintOptions, mint, type TestKeys } from './keys.js';

export interface Fixture {
  readonly url: string;
  readonly keys: TestKeys;
  readonly jwks: JwksServer;
  readonly example: RunningExample;
  /** A token for this example's audience. */
  mint(options?: MintOptions): Promise<string>;
  /** A token with these scopes. */
  withScope(scope: string, claims?: Record<string, unknown>): Promise<string>;
}

type Env = Record<string, string>;

/** `env` may be a function, read when the example starts (after earlier `beforeAll` hooks). */
export function useExample(name: ExampleName, env: Env | (() => Env) = {}): Fixture {
  const state: Partial<Fixture> & { env?: Env } = {};
  beforeAll(async () => {
    const keys = await createKeys();
    const jwks = await startJwksServer(keys.jwks);
    Object.assign(state, { keys, jwks }); // stopped in afterAll even if the example fails to start
    state.env = typeof env === 'function' ? env() : env;
    const example = await startExample(name, { ISSUER, JWKS_URI: jwks.url, ...state.env });
    Object.assign(state, { example, url: example.url });
  });
  afterAll(async () => {
    await state.example?.stop();
    await state.jwks?.close();
  });
  const audience = () => state.env?.AUDIENCE ?? (state.url as string);
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
    get example() {
      return state.example as RunningExample;
    },
    mint: (options) => mint(state.keys as TestKeys, audience(), options),
    withScope: (scope, claims = {}) => mint(state.keys as TestKeys, audience(), { claims: { scope, ...claims } }),
  };
}
