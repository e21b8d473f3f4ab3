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
import { cognito } from './cognito.js';

const ISSUER = 'https://cognito-idp.eu-west-1.amazonaws.com/eu-west-1_AbCdEf123';
const CLIENT = '1example23456789';
const actions = defineActions({ read: { scopes: ['invoices/read'] } });
let provider: LocalProvider;
beforeAll(async () => {
  provider = await startProvider();
});
afterAll(() => provider.close());

/** An access token as a Cognito user pool issues it: no typ header, no aud, client_id, token_use. */
function accessPayload(): Record<string, unknown> {
  return {
    sub: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    'cognito:groups': ['admin'],
    iss: ISSUER,
    version: 2,
    client_id: CLIENT,
    origin_jti: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    event_id: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    token_use: 'access',
    scope: 'phone openid profile invoices/read email',
    auth_time: now() - 5,
    exp: now() + 3600,
    iat: now(),
    jti: 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee',
    username: 'jane',
  };
}

const preset = () => cognito({ region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEf123', clientIds: [CLIENT] });

describe('cognito()', () => {
  it('names the user pool issuer and its keys', () => {
    expect(preset()).toMatchObject({ issuer: ISSUER, jwksUri: `${ISSUER}/.well-known/jwks.json` });
  });

  it('allows an access token without aud, checking client_id as its audience', async () => {
    const { gate, events } = gateFor(actions, [served(preset(), provider)]);
    expect((await gate.decide('read', bearer(await provider.sign({}, accessPayload())))).allow).toBe(true);
    expect(events[0]).toMatchObject({ clientId: CLIENT, sub: accessPayload().sub });
  });

  it('refuses an access token of another app client, saying which', async () => {
    const { gate, events } = gateFor(actions, [served(preset(), provider)]);
    const refused = await gate.decide(
      'read',
      bearer(await provider.sign({}, { ...accessPayload(), client_id: 'other' })),
    );
    expect(refused.allow === false && refused.code).toBe('token_audience');
    expect(events[0]?.detail).toMatchObject({ claim: 'client_id', found: 'other', expected: [CLIENT] });
  });

  it('refuses an ID token of the same app client (token_use id, aud instead of client_id)', async () => {
    const { gate, events } = gateFor(actions, [served(preset(), provider)]);
    const id = {
      ...without(accessPayload(), 'client_id', 'scope', 'jti', 'username'),
      aud: CLIENT,
      token_use: 'id',
      'cognito:username': 'jane',
      email: 'jane@example.com',
    };
    const refused = await gate.decide('read', bearer(await provider.sign({}, id)));
    expect(refused.allow === false && refused.code).toBe('token_claims');
    expect(events[0]?.detail).toEqual({ claim: 'client_id', problem: 'missing' });
    const relabelled = await gate.decide(
      'read',
      bearer(await provider.sign({}, { ...accessPayload(), token_use: 'id' })),
    );
    expect(relabelled.allow === false && relabelled.code).toBe('token_claims');
    expect(events[1]?.detail).toMatchObject({ claim: 'token_use', found: 'id', expected: ['access'] });
  });

  it('refuses a token with a typ header, which Cognito never sets', async () => {
    const { gate } = gateFor(actions, [served(preset(), provider)]);
    const refused = await gate.decide('read', bearer(await provider.sign({ typ: 'at+jwt' }, accessPayload())));
    expect(refused.allow === false && refused.code).toBe('token_type');
  });

  it.each([
    ['region', { region: 'Ireland', userPoolId: 'eu-west-1_AbCdEf123', clientIds: [CLIENT] }],
    ['userPoolId', { region: 'eu-west-1', userPoolId: 'us-east-1_AbCdEf123', clientIds: [CLIENT] }],
    ['clientIds', { region: 'eu-west-1', userPoolId: 'eu-west-1_AbCdEf123', clientIds: [] }],
  ])('refuses a bad %s at start-up', (option, given) => {
    expect(configurationError(() => cognito(given as never)).option).toBe(`cognito().${option}`);
  });
});
