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
import { zitadel } from './zitadel.js';

const ISSUER = 'https://my-instance.zitadel.cloud';
const PROJECT = '344374183645413380';
const ROLES = `urn:zitadel:iam:org:project:${PROJECT}:roles`;
const actions = defineActions({ read: { scopes: ['invoices.reader'] } });
let provider: LocalProvider;
beforeAll(async () => {
  provider = await startProvider();
});
afterAll(() => provider.close());

/** A JWT access token as ZITADEL issues it: client_id, jti, roles as an object, no scope. */
function zitadelPayload(): Record<string, unknown> {
  return {
    iss: ISSUER,
    sub: '345377791925026818',
    aud: [PROJECT, '345377791925026819'],
    exp: now() + 43200,
    iat: now(),
    nbf: now(),
    jti: '345377791925091234',
    client_id: 'invoice-app',
    [ROLES]: { 'invoices.reader': { '344373908297744388': 'acme.my-instance.zitadel.cloud' } },
  };
}

const preset = () => zitadel({ url: ISSUER, projectId: PROJECT });

describe('zitadel()', () => {
  it('names the instance issuer and its keys, with the project as audience', () => {
    expect(preset()).toMatchObject({ issuer: ISSUER, jwksUri: `${ISSUER}/oauth/v2/keys`, audience: [PROJECT] });
  });

  it('allows a token by the role keys of its project roles claim, with or without typ JWT', async () => {
    const { gate, events } = gateFor(actions, [served(preset(), provider)]);
    expect((await gate.decide('read', bearer(await provider.sign({ typ: 'JWT' }, zitadelPayload())))).allow).toBe(true);
    expect((await gate.decide('read', bearer(await provider.sign({}, zitadelPayload())))).allow).toBe(true);
    expect(events[0]).toMatchObject({ clientId: 'invoice-app', grantedScopes: ['invoices.reader'] });
  });

  it('refuses a token without the role, one without client_id (an ID token) and a roles claim of the wrong type', async () => {
    const { gate, events } = gateFor(actions, [served(preset(), provider)]);
    const noRole = await gate.decide('read', bearer(await provider.sign({}, without(zitadelPayload(), ROLES))));
    expect(noRole.allow === false && noRole.status).toBe(403);
    const idToken = await gate.decide(
      'read',
      bearer(await provider.sign({}, without(zitadelPayload(), 'client_id', 'jti'))),
    );
    expect(idToken.allow === false && idToken.code).toBe('token_claims');
    expect(events[1]?.detail).toEqual({ claim: 'jti', problem: 'missing' });
    const badRoles = await gate.decide(
      'read',
      bearer(await provider.sign({}, { ...zitadelPayload(), [ROLES]: ['invoices.reader'] })),
    );
    expect(badRoles.allow === false && badRoles.code).toBe('token_claims');
    expect(events[2]?.detail).toEqual({ claim: '(scope reader)', problem: 'wrong_type' });
  });

  it.each([
    ['url', { url: 'my-instance.zitadel.cloud', projectId: PROJECT }],
    ['projectId', { url: ISSUER, projectId: 'invoices' }],
  ])('refuses a bad %s at start-up', (option, given) => {
    expect(configurationError(() => zitadel(given as never)).option).toBe(`zitadel().${option}`);
  });
});
