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
import { hydra } from './hydra.js';

const ISSUER = 'https://auth.example.com/';
const API = 'https://api.example.com';
const actions = defineActions({ read: { scopes: ['invoices.read'] } });
let provider: LocalProvider;
beforeAll(async () => {
  provider = await startProvider();
});
afterAll(() => provider.close());

/** A JWT access token as Ory Hydra issues it: typ JWT, client_id, scp array, ext. */
function hydraPayload(): Record<string, unknown> {
  return {
    aud: [API],
    client_id: 'invoice-app',
    exp: now() + 3600,
    ext: {},
    iat: now(),
    iss: ISSUER,
    jti: 'b8f5a6e2-3c1d-4e7f-9a0b-1c2d3e4f5a6b',
    nbf: now(),
    scp: ['offline', 'invoices.read'],
    sub: 'jane',
  };
}

describe('hydra()', () => {
  it('keeps the issuer exactly as configured and serves keys from /.well-known/jwks.json', () => {
    expect(hydra({ issuer: ISSUER })).toMatchObject({
      issuer: ISSUER,
      jwksUri: 'https://auth.example.com/.well-known/jwks.json',
    });
  });

  it('allows a token with scp as an array', async () => {
    const { gate, events } = gateFor(actions, [served(hydra({ issuer: ISSUER, audience: API }), provider)]);
    expect((await gate.decide('read', bearer(await provider.sign({ typ: 'JWT' }, hydraPayload())))).allow).toBe(true);
    expect(events[0]).toMatchObject({ clientId: 'invoice-app', grantedScopes: ['offline', 'invoices.read'] });
  });

  it('allows scope as a string (strategies.jwt.scope_claim: string)', async () => {
    const { gate } = gateFor(actions, [served(hydra({ issuer: ISSUER }), provider)]);
    const token = await provider.sign({ typ: 'JWT' }, { ...without(hydraPayload(), 'scp'), scope: 'invoices.read' });
    expect((await gate.decide('read', bearer(token))).allow).toBe(true);
  });

  it('refuses a token with an empty aud (no audience requested) and one without client_id', async () => {
    const { gate, events } = gateFor(actions, [served(hydra({ issuer: ISSUER }), provider)]);
    const noAud = await gate.decide(
      'read',
      bearer(await provider.sign({ typ: 'JWT' }, { ...hydraPayload(), aud: [] })),
    );
    expect(noAud.allow).toBe(false);
    expect(events[0]?.detail?.claim).toBe('aud');
    const noClient = await gate.decide(
      'read',
      bearer(await provider.sign({ typ: 'JWT' }, without(hydraPayload(), 'client_id'))),
    );
    expect(noClient.allow === false && noClient.code).toBe('token_claims');
    expect(events[1]?.detail).toEqual({ claim: 'client_id', problem: 'missing' });
  });

  it('points out an issuer configured without its trailing slash', async () => {
    const { gate, events } = gateFor(actions, [served(hydra({ issuer: 'https://auth.example.com' }), provider)]);
    expect((await gate.decide('read', bearer(await provider.sign({ typ: 'JWT' }, hydraPayload())))).allow).toBe(false);
    expect(events[0]?.detail?.hint).toContain('trailing slash');
  });

  it('refuses a bad issuer at start-up', () => {
    expect(configurationError(() => hydra({ issuer: 'auth.example.com' })).option).toBe('hydra().issuer');
  });
});
