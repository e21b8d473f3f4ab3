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
import { okta } from './okta.js';

const actions = defineActions({ read: { scopes: ['invoices:read'] } });
let provider: LocalProvider;
beforeAll(async () => {
  provider = await startProvider();
});
afterAll(() => provider.close());

const ISSUER = 'https://my-org.okta.com/oauth2/default';

/** An access token as an Okta custom authorization server issues it: no typ header. */
function oktaPayload(): Record<string, unknown> {
  return {
    ver: 1,
    jti: 'AT.MNAoEQ_jbKqoinrQo1D0XKjMX28U5d7ZszBceot7-Ts',
    iss: ISSUER,
    aud: 'api://default',
    sub: 'jane@example.com',
    iat: now(),
    exp: now() + 3600,
    cid: '0oa1b2c3d4e5f6g7h8i9',
    uid: '00u1b2c3d4e5f6g7h8i9',
    scp: ['openid', 'invoices:read'],
    auth_time: now() - 10,
  };
}

const gate = () => gateFor(actions, [served(okta({ domain: 'my-org.okta.com', audience: 'api://default' }), provider)]);

describe('okta()', () => {
  it('names the custom authorization server and its keys', () => {
    const options = okta({ domain: 'my-org.okta.com', authorizationServerId: 'aus1x', audience: 'api://x' });
    expect(options.issuer).toBe('https://my-org.okta.com/oauth2/aus1x');
    expect(options.jwksUri).toBe('https://my-org.okta.com/oauth2/aus1x/v1/keys');
    expect(okta({ domain: 'my-org.okta.com', audience: 'api://default' }).issuer).toBe(ISSUER);
  });

  it('allows a token without typ, with scp as an array and the client in cid', async () => {
    const { gate: g, events } = gate();
    expect((await g.decide('read', bearer(await provider.sign({}, oktaPayload())))).allow).toBe(true);
    expect(events[0]).toMatchObject({
      clientId: '0oa1b2c3d4e5f6g7h8i9',
      jti: oktaPayload().jti,
      grantedScopes: ['openid', 'invoices:read'],
    });
  });

  it('allows a client-credentials token (no uid)', async () => {
    const token = await provider.sign({}, { ...without(oktaPayload(), 'uid'), sub: '0oa1b2c3d4e5f6g7h8i9' });
    expect((await gate().gate.decide('read', bearer(token))).allow).toBe(true);
  });

  it('refuses a token without cid, and one with scp of the wrong type', async () => {
    const { gate: g, events } = gate();
    const noCid = await g.decide('read', bearer(await provider.sign({}, without(oktaPayload(), 'cid'))));
    expect(noCid.allow === false && noCid.code).toBe('token_claims');
    expect(events[0]?.detail).toEqual({ claim: 'cid', problem: 'missing' });
    const badScp = await g.decide('read', bearer(await provider.sign({}, { ...oktaPayload(), scp: 7 })));
    expect(badScp.allow === false && badScp.code).toBe('token_claims');
    expect(events[1]?.detail).toEqual({ claim: 'scp', problem: 'wrong_type', found: 'number' });
  });

  it('refuses a token with a typ header, which Okta never sets', async () => {
    const { gate: g, events } = gate();
    const refused = await g.decide('read', bearer(await provider.sign({ typ: 'JWT' }, oktaPayload())));
    expect(refused.allow === false && refused.code).toBe('token_type');
    expect(events[0]?.detail).toMatchObject({ claim: 'typ', found: 'JWT', expected: ['(none)'] });
  });

  it('refuses an ID token (aud is the client id)', async () => {
    const id = { ...oktaPayload(), aud: '0oa1b2c3d4e5f6g7h8i9', jti: 'ID.radCQMOQ' };
    const refused = await gate().gate.decide('read', bearer(await provider.sign({}, id)));
    expect(refused.allow === false && refused.code).toBe('token_audience');
  });

  it.each([
    ['domain', { domain: 'https://my-org.okta.com', audience: 'api://default' }],
    ['authorizationServerId', { domain: 'my-org.okta.com', authorizationServerId: 'a/b', audience: 'api://default' }],
    ['audience', { domain: 'my-org.okta.com' }],
  ])('refuses a bad %s at start-up', (option, given) => {
    expect(configurationError(() => okta(given as never)).option).toBe(`okta().${option}`);
  });
});
