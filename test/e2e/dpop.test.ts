/**
 * DPoP end to end (RFC 9449): our client, the demo authorization server (oidc-provider with
 * `features.dPoP`), and an invoice example as a real process. Elevated tokens obtained through
 * CIBA and through the token endpoint with a proof are bound to the client's key (`token_type`
 * DPoP, `cnf.jkt`); a bound token refused as Bearer and with another key's proof, accepted with
 * the key.
 */
import {
  cibaStepUp,
  createStepUpFetch,
  findChallenge,
  type StepUpEvent,
  type StepUpRequest,
  tokenEndpointStepUp,
} from '@actiongate/client';
import { decodeJwt } from 'jose';
import * as oauth from 'oauth4webapi';
import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../blackbox/support/example.js';
import { autoDecide, type Stack, startStack } from './support/stack.js';

const insecure = { [oauth.allowInsecureRequests]: true };
const stacks: Stack[] = [];
async function stack(...args: Parameters<typeof startStack>) {
  const started = await startStack(...args);
  stacks.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

/** A step-up request as the fetch makes it for a refund of `invoice`, bound to `dpop`. */
function refundRequest(s: Stack, invoice: string, dpop: oauth.DPoPHandle): StepUpRequest {
  return {
    reason: 'insufficient_user_authentication',
    scope: ['invoices:read', 'payments:refund'],
    acrValues: ['urn:actiongate:mfa'],
    authorizationDetails: [{ type: 'payment_refund', actions: ['refund'], identifier: invoice }],
    resource: s.audience,
    method: 'POST',
    url: `${s.api.url}/invoices/${invoice}/refund`,
    dpop,
  };
}

/** Sends `token` as DPoP with a proof by `dpop` (oauth4webapi); a refusal is returned, not thrown. */
async function sendWithKey(dpop: oauth.DPoPHandle, token: string, method: string, url: string): Promise<Response> {
  try {
    return await oauth.protectedResourceRequest(token, method, new URL(url), undefined, undefined, {
      ...insecure,
      DPoP: dpop,
    });
  } catch (error) {
    if (error instanceof oauth.WWWAuthenticateChallengeError) return error.response;
    throw error;
  }
}

const ciba = (s: Stack) =>
  cibaStepUp({
    authorizationServer: s.metadata,
    client: s.client,
    clientAuth: s.clientAuth,
    loginHint: 'alice',
    resource: () => s.audience,
    allowInsecureRequests: true,
  });

describe('the demo authorization server binds tokens requested with a proof', () => {
  it('the token endpoint: token_type DPoP and cnf.jkt with a proof; Bearer and no cnf without', async () => {
    const s = await stack('express-invoices');
    const keyPair = await oauth.generateKeyPair('ES256');
    const dpop = oauth.DPoP(s.client, keyPair);
    const params = { scope: 'invoices:read', resource: s.audience };
    const bound = await oauth.processClientCredentialsResponse(
      s.metadata,
      s.client,
      await oauth.clientCredentialsGrantRequest(s.metadata, s.client, s.clientAuth, params, {
        ...insecure,
        DPoP: dpop,
      }),
    );
    expect(bound.token_type).toBe('dpop');
    expect(decodeJwt(bound.access_token).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
    const plain = decodeJwt(await s.baselineToken());
    expect(plain.cnf).toBeUndefined();
  });

  it('CIBA: the elevated token from cibaStepUp with the fetch’s key is DPoP, bound to that key', async () => {
    const s = await stack('express-invoices');
    autoDecide(s, 'approve');
    const dpop = oauth.DPoP(s.client, await oauth.generateKeyPair('ES256'));
    const token = await ciba(s)(refundRequest(s, 'inv_1001', dpop));
    expect(token.tokenType).toBe('DPoP');
    const claims = decodeJwt(token.accessToken);
    expect(claims.cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
    expect(claims.authorization_details).toEqual([
      { type: 'payment_refund', actions: ['refund'], identifier: 'inv_1001' },
    ]);
  });

  it('a server that requires nonces: CIBA polls and the token-endpoint step-up retry once with the nonce and get bound tokens', async () => {
    const service = { clientId: 'invoice-batch', clientSecret: 'batch-secret', scopes: ['invoices:write'] };
    const s = await stack('express-invoices', { dpopNonces: true, serviceClients: [service] });
    autoDecide(s, 'approve');
    const dpop = oauth.DPoP(s.client, await oauth.generateKeyPair('ES256'));
    const elevated = await ciba(s)(refundRequest(s, 'inv_1002', dpop));
    expect(decodeJwt(elevated.accessToken).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });

    const serviceKey = oauth.DPoP({}, await oauth.generateKeyPair('ES256'));
    const direct = await tokenEndpointStepUp({
      authorizationServer: s.metadata,
      client: { client_id: service.clientId },
      clientAuth: oauth.ClientSecretPost(service.clientSecret),
      allowInsecureRequests: true,
    })({ ...refundRequest(s, 'inv_1003', serviceKey), scope: ['invoices:write'], authorizationDetails: undefined });
    expect(direct.tokenType).toBe('DPoP');
    expect(decodeJwt(direct.accessToken).cnf).toEqual({ jkt: await serviceKey.calculateThumbprint() });
  });
});

const REFUNDS_NEED_DPOP = { ACCEPT_DPOP: '1', REFUND_REQUIRES_DPOP: '1' };

describe.each(EXAMPLES)('%s with REFUND_REQUIRES_DPOP: the bound elevated token', (name) => {
  it('fails as Bearer, fails with another key’s proof, and works with the key (the refusals changed nothing)', async () => {
    const s = await stack(name, {}, REFUNDS_NEED_DPOP);
    autoDecide(s, 'approve');
    const dpop = oauth.DPoP({}, await oauth.generateKeyPair('ES256'));
    const { accessToken } = await ciba(s)(refundRequest(s, 'inv_1001', dpop));
    const url = `${s.api.url}/invoices/inv_1001/refund`;

    const asBearer = await fetch(url, { method: 'POST', headers: { authorization: `Bearer ${accessToken}` } });
    expect(asBearer.status).toBe(401);
    expect(findChallenge(asBearer.headers, 'DPoP')).toBeDefined();

    const thief = oauth.DPoP({}, await oauth.generateKeyPair('ES256'));
    const withOtherKey = await sendWithKey(thief, accessToken, 'POST', url);
    expect(withOtherKey.status).toBe(401);
    expect(findChallenge(withOtherKey.headers, 'DPoP')?.error).toBe('invalid_token');

    const withKey = await sendWithKey(dpop, accessToken, 'POST', url);
    expect(withKey.status).toBe(200);
    expect(await withKey.json()).toEqual({ id: 'inv_1001', status: 'refunded' });
  });

  it.each([
    ['', REFUNDS_NEED_DPOP],
    [' and the resource’s nonces (DPOP_NONCE)', { ...REFUNDS_NEED_DPOP, DPOP_NONCE: '1' }],
  ])(
    'the step-up fetch with a DPoP key%s: bound baseline, refund refused, CIBA binds the elevated token, one retry with a proof',
    async (_, env) => {
      const s = await stack(name, {}, env);
      autoDecide(s, 'approve');
      const keyPair = await oauth.generateKeyPair('ES256');
      const dpop = oauth.DPoP({}, keyPair);
      const baseline = await oauth.processClientCredentialsResponse(
        s.metadata,
        s.client,
        await oauth.clientCredentialsGrantRequest(
          s.metadata,
          s.client,
          s.clientAuth,
          { scope: 'invoices:read', resource: s.audience },
          { ...insecure, DPoP: dpop },
        ),
      );
      const events: StepUpEvent[] = [];
      const fetch = createStepUpFetch({
        getToken: () => ({ accessToken: baseline.access_token, tokenType: 'DPoP' }),
        heldScopes: ['invoices:read'],
        allowedResources: [s.api.url],
        dpop: { keyPair },
        policy: {
          scopes: ['payments:refund'],
          authorizationDetailsTypes: ['payment_refund'],
          acrValues: ['urn:actiongate:mfa'],
        },
        stepUp: ciba(s),
        onEvent: (event) => events.push(event),
      });
      const list = await fetch(`${s.api.url}/invoices`);
      expect(list.status).toBe(200);
      const response = await fetch(`${s.api.url}/invoices/inv_1002/refund`, { method: 'POST' });
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ id: 'inv_1002', status: 'refunded' });
      expect(events.map((event) => event.type)).toEqual(['step-up:pending', 'step-up:approved']);
      const approved = events[1];
      if (approved?.type !== 'step-up:approved') throw new Error('no approved event');
      expect(approved.token.tokenType).toBe('DPoP');
      expect(decodeJwt(approved.token.accessToken).cnf).toEqual({ jkt: await dpop.calculateThumbprint() });
    },
  );
});
