/**
 * The audit detail says which claim failed and what the token carried; the client gets the
 * fixed refusal only. Tokens here carry a marker in every field a detail could copy.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import type { DecisionEvent } from '../audit/index.js';
import { createGate } from './index.js';

const MARKER = 'MARKER-7f3a';
const actions = defineActions({ read: { scopes: ['invoices:read'] }, once: { scopes: [], singleUse: true } });
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

function recordingGate(extraIssuer = false) {
  const events: DecisionEvent[] = [];
  const gate = createGate({
    actions,
    resource: RESOURCE,
    issuers: [
      { issuer: ISSUER, jwks: issuer.jwks as never },
      ...(extraIssuer ? [{ issuer: 'https://other.test/', jwks: issuer.jwks as never }] : []),
    ],
    onDecision: (event) => {
      events.push(event);
    },
  });
  return { gate, events };
}

async function refusedWith(claims: Record<string, unknown>, multi = false, action: 'read' | 'once' = 'read') {
  const { gate, events } = recordingGate(multi);
  const decision = await gate.decide(action, bearer(await issuer.mint({ scope: 'invoices:read', ...claims })));
  if (decision.allow) throw new Error('allowed');
  const sent = JSON.stringify(decision.headers) + JSON.stringify(decision.body);
  expect(sent).not.toContain(MARKER);
  return { decision, event: events[0] as DecisionEvent };
}

describe('audit detail of refused tokens', () => {
  it('names a missing claim', async () => {
    const { decision, event } = await refusedWith({ client_id: undefined });
    expect(decision.code).toBe('token_claims');
    expect(event.detail).toEqual({ claim: 'client_id', problem: 'missing' });
  });

  it('names a claim of the wrong type by its JSON type, never its value', async () => {
    const { event } = await refusedWith({ sub: { id: MARKER } });
    expect(event.detail).toEqual({ claim: 'sub', problem: 'wrong_type', found: 'object', expected: ['string'] });
    expect(JSON.stringify(event)).not.toContain(MARKER);
  });

  it('gives the unverified iss that matched no trusted issuer, sanitised, and the trusted ones', async () => {
    const iss = `https://${MARKER}.test\r\n${'x'.repeat(5000)}`;
    const { decision, event } = await refusedWith({ iss }, true);
    expect(decision.code).toBe('token_issuer');
    expect(event.detail?.claim).toBe('iss');
    expect(event.detail?.expected).toEqual([ISSUER, 'https://other.test/']);
    const found = event.detail?.found as string;
    expect(found).toContain(MARKER);
    expect(found).not.toMatch(/[\r\n]/);
    expect(found.length).toBeLessThanOrEqual(201);
  });

  it('describes an iss that is not a string by its type when several issuers are trusted', async () => {
    const object = await refusedWith({ iss: { href: MARKER } }, true);
    expect(object.decision.code).toBe('token_claims');
    expect(object.event.detail).toEqual({ claim: 'iss', problem: 'wrong_type', found: 'object', expected: ['string'] });
    const list = await refusedWith({ iss: [ISSUER, MARKER] }, true);
    expect(list.event.detail).toMatchObject({ claim: 'iss', problem: 'wrong_type', found: 'array' });
    const none = await refusedWith({ iss: undefined }, true);
    expect(none.event.detail).toEqual({ claim: 'iss', problem: 'missing' });
  });

  it('gives the aud that did not match, with a trailing-slash hint', async () => {
    const { decision, event } = await refusedWith({ aud: [`${RESOURCE}/`, MARKER] });
    expect(decision.code).toBe('token_audience');
    expect(event.detail).toMatchObject({ claim: 'aud', found: [`${RESOURCE}/`, MARKER], expected: [RESOURCE] });
    expect(event.detail?.hint).toContain('trailing slash');
  });

  it('gives an iss with a trailing slash the single trusted issuer lacks', async () => {
    const { decision, event } = await refusedWith({ iss: `${ISSUER}/` });
    expect(decision.code).toBe('token_issuer');
    expect(event.detail?.hint).toContain(`configure "${ISSUER}/"`);
  });

  it('gives the typ header that is not accepted', async () => {
    const { gate, events } = recordingGate();
    const decision = await gate.decide('read', bearer(await issuer.mint({ scope: 'invoices:read' }), {}));
    expect(decision.allow).toBe(true);
    const jwt = await issuer.mint({});
    const [, payload, signature] = jwt.split('.');
    const header = Buffer.from(JSON.stringify({ alg: 'RS256', kid: 'k1', typ: MARKER })).toString('base64url');
    const refused = await gate.decide('read', bearer(`${header}.${payload}.${signature}`));
    if (refused.allow) throw new Error('allowed');
    expect(refused.code).toBe('token_type');
    expect(JSON.stringify(refused)).not.toContain(MARKER);
    expect(events[1]?.detail).toMatchObject({ claim: 'typ', problem: 'not_accepted', found: MARKER });
  });

  it('says a single-use action needs a token id', async () => {
    const { decision, event } = await refusedWith({ jti: undefined }, false, 'once');
    expect(decision.code).toBe('token_claims');
    expect(event.detail).toMatchObject({ claim: 'jti', problem: 'missing' });
  });

  it('carries no detail for an allowed request or a refusal that is not about the token', async () => {
    const { gate, events } = recordingGate();
    await gate.decide('read', bearer(await issuer.mint({ scope: 'invoices:read' })));
    await gate.decide('read', bearer(await issuer.mint({ scope: 'other' })));
    await gate.decide('read', { method: 'GET', path: '/', authorization: undefined });
    expect(events.map((event) => event.detail)).toEqual([undefined, undefined, undefined]);
  });
});
