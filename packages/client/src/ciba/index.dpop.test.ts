/**
 * CIBA with a DPoP key (RFC 9449 §5), against a token endpoint that lies or asks for nonces:
 * every poll carries a proof, a `use_dpop_nonce` is answered once with the nonce, and a Bearer
 * token returned to a request with a proof is refused.
 */
import * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { checkProof } from '../../test/dpop-proofs.js';
import { json, startServer, type TestServer } from '../../test/servers.js';
import { StepUpError } from '../step-up/errors.js';
import type { StepUpRequest } from '../step-up/types.js';
import { cibaStepUp } from './index.js';

let as: TestServer;
let mode: 'bearer' | 'nonce-forever' | 'nonce-once' | 'bind' = 'bind';
let polls = 0;
let answered = 0; // polls that got past the nonce check
beforeAll(async () => {
  as = await startServer(async (request, response) => {
    if (request.path === '/bc-authorize') return json(response, 200, { auth_req_id: 'r', expires_in: 60, interval: 1 });
    if (request.path !== '/token') return json(response, 404, {});
    polls++;
    const proof = await checkProof(request.dpop, 'POST', `${as.origin}/token`);
    if (mode === 'nonce-forever' || (mode === 'nonce-once' && proof.nonce !== 'n1')) {
      return json(
        response,
        400,
        { error: 'use_dpop_nonce' },
        { 'dpop-nonce': mode === 'nonce-once' ? 'n1' : `n${polls}` },
      );
    }
    if (++answered === 1) return json(response, 400, { error: 'authorization_pending' });
    json(response, 200, {
      access_token: 'ciba-token',
      token_type: mode === 'bearer' ? 'Bearer' : 'DPoP',
      expires_in: 60,
    });
  });
});
afterAll(() => as.close());
beforeEach(() => {
  polls = 0;
  answered = 0;
  as.seen.length = 0;
});

async function stepUp(): Promise<unknown> {
  const dpop = oauth.DPoP({}, await oauth.generateKeyPair('ES256'));
  const request: StepUpRequest = {
    reason: 'insufficient_scope',
    scope: ['a'],
    resource: 'https://api.example.com',
    method: 'POST',
    url: 'https://api.example.com/x',
    dpop,
  };
  return cibaStepUp({
    authorizationServer: {
      issuer: as.origin,
      token_endpoint: `${as.origin}/token`,
      backchannel_authentication_endpoint: `${as.origin}/bc-authorize`,
    },
    client: { client_id: 'agent' },
    clientAuth: oauth.None(),
    loginHint: 'alice',
    allowInsecureRequests: true,
    sleep: () => Promise.resolve(),
  })(request).catch((error: unknown) => error);
}

it('refuses a Bearer token returned to a poll with a proof: token_not_bound', async () => {
  mode = 'bearer';
  const result = await stepUp();
  expect(result).toBeInstanceOf(StepUpError);
  expect((result as StepUpError).code).toBe('token_not_bound');
});

it('a token endpoint that asks for a new nonce on every poll: one retry per poll, then failed, never a loop', async () => {
  mode = 'nonce-forever';
  const result = await stepUp();
  expect((result as StepUpError).code).toBe('failed');
  expect(polls).toBe(2);
});

it('every poll carries a proof; a nonce asked for once is sent from then on; the token is DPoP', async () => {
  mode = 'nonce-once';
  const result = (await stepUp()) as { tokenType?: string; accessToken?: string };
  expect(result.tokenType).toBe('DPoP');
  expect(result.accessToken).toBe('ciba-token');
  const tokenRequests = as.seen.filter((seen) => seen.path === '/token');
  const proofs = await Promise.all(tokenRequests.map((seen) => checkProof(seen.dpop, 'POST', `${as.origin}/token`)));
  // the nonce refusal, its retry (pending), the next poll (the token)
  expect(proofs.map((proof) => proof.nonce)).toEqual([undefined, 'n1', 'n1']);
  expect(new Set(proofs.map((proof) => proof.jkt)).size).toBe(1);
  expect(as.seen.find((seen) => seen.path === '/bc-authorize')?.dpop).toBeUndefined();
});
