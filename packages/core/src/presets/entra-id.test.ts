import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  bearer,
  configurationError,
  gateFor,
  type LocalProvider,
  now,
  served,
  startProvider,
  without,
} from '../../test/providers.js';
import { defineActions } from '../actions/index.js';
import { entraId } from './entra-id.js';

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const API_CLIENT = '6e74172b-be56-4843-9ff4-e66a39bb12e3';
const CALLER = '2d4d11a2-f814-46a7-890a-274a72a7309e';
const actions = defineActions({
  read: { scopes: ['Invoices.Read'] },
  sync: { scopes: ['Invoices.Sync.All'] },
  once: { scopes: ['Invoices.Read'], singleUse: true },
});
let provider: LocalProvider;
beforeAll(async () => {
  provider = await startProvider();
});
afterAll(() => provider.close());

/** A delegated v2.0 access token: scp a space-delimited string, azp, uti, no jti. */
function v2Payload(): Record<string, unknown> {
  return {
    aud: API_CLIENT,
    iss: `https://login.microsoftonline.com/${TENANT}/v2.0`,
    iat: now(),
    nbf: now(),
    exp: now() + 3600,
    aio: 'AXQAi/8UAAAA',
    azp: CALLER,
    azpacr: '0',
    name: 'Jane Doe',
    oid: '690222be-ff1a-4d56-abd1-7e4f7d38e474',
    preferred_username: 'jane@contoso.com',
    rh: '0.AAAA',
    scp: 'User.Read Invoices.Read',
    sub: 'HKZpfaHyWadeOouYlitjrI-KffTm222X5rrV3xDqfKQ',
    tid: TENANT,
    uti: 'fqiBqXLPj0eQa82S-IYFAA',
    ver: '2.0',
  };
}

/** An application (client credentials) v1.0 token: appid, roles, no scp. */
function v1AppPayload(): Record<string, unknown> {
  return {
    aud: 'api://invoices',
    iss: `https://sts.windows.net/${TENANT}/`,
    iat: now(),
    nbf: now(),
    exp: now() + 3600,
    aio: 'E2ZgYJh',
    appid: CALLER,
    appidacr: '1',
    idp: `https://sts.windows.net/${TENANT}/`,
    oid: 'a1ba5d4d-9b5e-4b5a-9f8a-6a7e6c1d8e41',
    roles: ['Invoices.Sync.All'],
    sub: 'a1ba5d4d-9b5e-4b5a-9f8a-6a7e6c1d8e41',
    tid: TENANT,
    uti: 'Pv7c1nXk3U6E3bqzAAAA',
    ver: '1.0',
  };
}

const v2 = () => gateFor(actions, [served(entraId({ tenantId: TENANT, audience: API_CLIENT }), provider)]);
const v1 = () =>
  gateFor(actions, [served(entraId({ tenantId: TENANT, audience: 'api://invoices', version: 1 }), provider)]);

describe('entraId()', () => {
  it('names the v1.0 and v2.0 issuers and keys of the tenant', () => {
    expect(entraId({ tenantId: TENANT, audience: API_CLIENT })).toMatchObject({
      issuer: `https://login.microsoftonline.com/${TENANT}/v2.0`,
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/v2.0/keys`,
    });
    expect(entraId({ tenantId: TENANT, audience: API_CLIENT, version: 1 })).toMatchObject({
      issuer: `https://sts.windows.net/${TENANT}/`,
      jwksUri: `https://login.microsoftonline.com/${TENANT}/discovery/keys`,
    });
  });

  it('allows a delegated v2.0 token: typ JWT, scp string, client in azp, token id in uti', async () => {
    const { gate, events } = v2();
    expect((await gate.decide('read', bearer(await provider.sign({ typ: 'JWT' }, v2Payload())))).allow).toBe(true);
    expect(events[0]).toMatchObject({
      clientId: CALLER,
      jti: 'fqiBqXLPj0eQa82S-IYFAA',
      grantedScopes: ['User.Read', 'Invoices.Read'],
    });
  });

  it('allows a v1.0 application token by its roles, with the client in appid', async () => {
    const { gate, events } = v1();
    expect((await gate.decide('sync', bearer(await provider.sign({ typ: 'JWT' }, v1AppPayload())))).allow).toBe(true);
    expect(events[0]).toMatchObject({ clientId: CALLER, grantedScopes: ['Invoices.Sync.All'] });
  });

  it("reads scp, not the user's app roles, from a delegated token that has both", async () => {
    const token = await provider.sign({ typ: 'JWT' }, { ...v2Payload(), roles: ['Invoices.Sync.All'] });
    const refused = await v2().gate.decide('sync', bearer(token));
    expect(refused.allow === false && refused.status).toBe(403);
  });

  it('uses uti as the token id of single-use actions', async () => {
    const { gate } = v2();
    const token = await provider.sign({ typ: 'JWT' }, v2Payload());
    expect((await gate.decide('once', bearer(token))).allow).toBe(true);
    const replay = await gate.decide('once', bearer(token));
    expect(replay.allow === false && replay.code).toBe('token_replayed');
  });

  it('refuses a v2.0 token without azp, a v1.0 token at the v2.0 issuer, and a wrong ver', async () => {
    const { gate, events } = v2();
    const noAzp = await gate.decide('read', bearer(await provider.sign({ typ: 'JWT' }, without(v2Payload(), 'azp'))));
    expect(noAzp.allow === false && noAzp.code).toBe('token_claims');
    expect(events[0]?.detail).toEqual({ claim: 'azp', problem: 'missing' });
    const v1Token = await provider.sign({ typ: 'JWT' }, { ...v1AppPayload(), aud: API_CLIENT });
    expect((await gate.decide('sync', bearer(v1Token))).allow).toBe(false);
    expect(events[1]).toMatchObject({
      code: 'token_issuer',
      detail: { claim: 'iss', found: `https://sts.windows.net/${TENANT}/` },
    });
    const wrongVer = await gate.decide(
      'read',
      bearer(await provider.sign({ typ: 'JWT' }, { ...v2Payload(), ver: '1.0' })),
    );
    expect(wrongVer.allow === false && wrongVer.code).toBe('token_claims');
    expect(events[2]?.detail).toMatchObject({ claim: 'ver', problem: 'not_accepted', found: '1.0', expected: ['2.0'] });
  });

  it('refuses a v1.0 token with appid of the wrong type', async () => {
    const { gate, events } = v1();
    const refused = await gate.decide(
      'sync',
      bearer(await provider.sign({ typ: 'JWT' }, { ...v1AppPayload(), appid: 42 })),
    );
    expect(refused.allow === false && refused.code).toBe('token_claims');
    expect(events[0]?.detail).toMatchObject({ claim: 'appid', problem: 'wrong_type', found: 'number' });
  });

  it.each([
    ['tenantId', { tenantId: 'common', audience: API_CLIENT }, 'one entraId() per tenant'],
    ['version', { tenantId: TENANT, audience: API_CLIENT, version: 3 }, 'one of'],
    ['audience', { tenantId: TENANT }, 'application (client) id'],
  ])('refuses a bad %s at start-up', (option, given, text) => {
    const error = configurationError(() => entraId(given as never));
    expect(error.option).toBe(`entraId().${option}`);
    expect(error.message).toContain(text);
  });
});
