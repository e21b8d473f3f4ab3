/**
 * The servers of the client's DPoP tests, on 127.0.0.1: `a` and `b` (allowed resources), `c` (an
 * origin nobody trusts), and `as` (a token endpoint that binds, answers Bearer, or asks for a
 * nonce). Importing this registers the hooks that start, reset and stop them.
 */
import type { ServerResponse } from 'node:http';
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { StepUpError } from '../src/step-up/errors.js';
import type { StepUpFetchOptions } from '../src/step-up/fetch.js';
import { tokenEndpointStepUp } from '../src/step-up/token-endpoint.js';
import type { StepUp } from '../src/step-up/types.js';
import { checkProof, dpopToken } from './dpop-proofs.js';
import { json, type Seen, startServer, type TestServer } from './servers.js';

export type Route = (request: Seen, response: ServerResponse, origin: string) => void | Promise<void>;
export const routes = new Map<string, Route>();
export let a: TestServer; // the resource the client trusts
export let b: TestServer; // a second allowed origin
export let c: TestServer; // an origin nobody trusts
export let as: TestServer; // the authorization server's token endpoint
/** How the test authorization server answers a token request with a proof. */
let asMode: 'bind' | 'bearer' | 'nonce' = 'bind';
export const setAsMode = (mode: typeof asMode) => {
  asMode = mode;
};
export const bound = new Map<string, string>(); // token → the jkt it is bound to
export let issued = 0;

export const serve = (name: string) => async (request: Seen, response: ServerResponse) => {
  const route = routes.get(`${name} ${request.path.split('?')[0]}`);
  if (route === undefined) return json(response, 404, { error: 'not_found' });
  await route(request, response, name === 'a' ? a.origin : name === 'b' ? b.origin : c.origin);
};

/** A route that wants a DPoP-bound elevated token: the baseline gets a step-up in the scheme it used. */
export const refund: Route = async (request, response, origin) => {
  const token = dpopToken(request.authorization);
  if (token === undefined) {
    return json(response, 401, { error: 'x' }, { 'www-authenticate': 'Bearer realm="t", DPoP algs="ES256"' });
  }
  try {
    const proof = await checkProof(request.dpop, request.method, `${origin}${request.path}`, token);
    if (bound.get(token) !== proof.jkt) throw new Error('cnf.jkt');
  } catch {
    return json(
      response,
      401,
      {},
      { 'www-authenticate': 'Bearer realm="t", DPoP algs="ES256", error="invalid_token"' },
    );
  }
  if (token.startsWith('baseline')) {
    return json(
      response,
      403,
      {},
      { 'www-authenticate': 'Bearer realm="t", DPoP algs="ES256", error="insufficient_scope", scope="refund"' },
    );
  }
  json(response, 200, { refunded: true });
};

export let keyPair: CryptoKeyPair;
export let jkt: string;
export const baseline = () => ({ accessToken: 'baseline-1', tokenType: 'DPoP' as const });

export const authorizationServer = (): oauth.AuthorizationServer => ({
  issuer: as.origin,
  token_endpoint: `${as.origin}/token`,
});
export const stepUp = (): StepUp =>
  tokenEndpointStepUp({
    authorizationServer: authorizationServer(),
    client: { client_id: 'c' },
    clientAuth: oauth.None(),
    allowInsecureRequests: true,
  });

export const options = (overrides: Partial<StepUpFetchOptions> = {}): StepUpFetchOptions => ({
  allowedResources: [a.origin, b.origin],
  getToken: baseline,
  policy: { scopes: ['refund'] },
  dpop: { keyPair },
  stepUp: stepUp(),
  ...overrides,
});

beforeAll(async () => {
  keyPair = await oauth.generateKeyPair('ES256');
  jkt = await oauth.DPoP({}, keyPair).calculateThumbprint();
  [a, b, c] = await Promise.all([startServer(serve('a')), startServer(serve('b')), startServer(serve('c'))]);
  as = await startServer(async (request, response) => {
    if (request.method !== 'POST' || request.path !== '/token') return json(response, 404, {});
    const token = `elevated-${++issued}`;
    if (request.dpop === undefined) return json(response, 200, { access_token: token, token_type: 'Bearer' });
    const proof = await checkProof(request.dpop, 'POST', `${as.origin}/token`);
    if (asMode === 'nonce' && proof.nonce !== 'as-nonce-1') {
      return json(response, 400, { error: 'use_dpop_nonce' }, { 'dpop-nonce': 'as-nonce-1' });
    }
    if (asMode === 'bearer') return json(response, 200, { access_token: token, token_type: 'Bearer', expires_in: 60 });
    bound.set(token, proof.jkt);
    json(response, 200, { access_token: token, token_type: 'DPoP', expires_in: 60 });
  });
});

afterAll(() => Promise.all([a, b, c, as].map((server) => server.close())));

beforeEach(() => {
  for (const server of [a, b, c, as]) server.seen.length = 0;
  routes.clear();
  asMode = 'bind';
  issued = 0;
  bound.clear();
  bound.set('baseline-1', jkt);
});

/** A step-up that must not be reached: counts and fails. */
export const countingStepUp =
  (count: () => void): StepUp =>
  async () => {
    count();
    throw new StepUpError('failed', 'not expected');
  };

export const code = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: unknown) => (error instanceof StepUpError ? error.code : String(error)),
  );
