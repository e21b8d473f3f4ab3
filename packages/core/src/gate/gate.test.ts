import { beforeAll, describe, expect, it, vi } from 'vitest';
import { bearer, createTestIssuer, ISSUER, RESOURCE, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import type { DecisionEvent } from '../audit/index.js';
import { UnknownActionError } from '../errors.js';
import { createGate } from './index.js';

const actions = defineActions({
  read: { scopes: ['invoices:read'] },
  export: { anyOf: ['invoices:export', ['invoices:read', 'invoices:admin']] },
  fresh: { scopes: [], maxTokenAge: 300 },
});
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

describe('gate decisions', () => {
  it('allows with the verified claims, scopes, action and issuer', async () => {
    const decision = await testGate(issuer, actions).decide(
      'read',
      bearer(await issuer.mint({ scope: 'invoices:read x', jti: 'j-1' })),
    );
    if (!decision.allow) throw new Error(decision.code);
    expect(decision.auth.action).toBe('read');
    expect(decision.auth.issuer).toBe(ISSUER);
    expect(decision.auth.claims).toMatchObject({ sub: 'user-1', client_id: 'client-1', jti: 'j-1', iss: ISSUER });
    expect([...decision.auth.scopes]).toEqual(['invoices:read', 'x']);
  });

  it('accepts a prepared action as well as its name', async () => {
    const gate = testGate(issuer, actions);
    const decision = await gate.decide(gate.prepare('read'), bearer(await issuer.mint({ scope: 'invoices:read' })));
    expect(decision.allow && decision.auth.action).toBe('read');
  });

  it('allows any one alternative of anyOf, including a set, and names the first when refusing', async () => {
    const gate = testGate(issuer, actions);
    for (const [scope, allowed] of [
      ['invoices:export', true],
      ['invoices:read invoices:admin', true],
      ['invoices:admin invoices:export', true],
      ['invoices:admin', false],
      ['invoices:read', false],
      ['', false],
    ] as const) {
      expect((await gate.decide('export', bearer(await issuer.mint({ scope })))).allow, scope).toBe(allowed);
    }
    const refused = await gate.decide('export', bearer(await issuer.mint({ scope: 'invoices:admin' })));
    if (refused.allow) throw new Error('allowed');
    expect(refused.status).toBe(403);
    expect(refused.headers['www-authenticate']).toContain('scope="invoices:export"');
    expect(refused.body.error_description).toBe(
      'The access token lacks the scopes this action requires; any one of these suffices: invoices:export or invoices:read + invoices:admin',
    );
  });

  it('never renders scope="" for an action that needs no scope', async () => {
    const gate = testGate(issuer, actions);
    const stale = await gate.decide('fresh', bearer(await issuer.mint({ iat: Math.floor(Date.now() / 1000) - 301 })));
    if (stale.allow) throw new Error('allowed');
    expect(stale.code).toBe('token_not_fresh');
    expect(stale.headers['www-authenticate']).not.toContain('scope=');
  });

  it('never lists alternatives in a description when a scope holds the text scope=', async () => {
    const tricky = defineActions({ act: { anyOf: ['scope=admin', 'b'] } });
    const refused = await testGate(issuer, tricky).decide('act', bearer(await issuer.mint({ scope: 'c' })));
    if (refused.allow) throw new Error('allowed');
    expect(refused.body.error_description).toBe(
      'The access token lacks the scopes this action requires; any one of the alternatives suffices',
    );
    expect(refused.headers['www-authenticate']).toContain('scope="scope=admin"');
  });

  it('reads scopes from the configured source', async () => {
    const token = await issuer.mint({ scope: undefined, permissions: ['invoices:read'] });
    expect((await testGate(issuer, actions).decide('read', bearer(token))).allow).toBe(false);
    const permissions = testGate(issuer, actions, { scopes: ['permissions'] });
    expect((await permissions.decide('read', bearer(token))).allow).toBe(true);
    const custom = testGate(issuer, actions, { scopes: (claims) => claims.permissions as string[] });
    expect((await custom.decide('read', bearer(token))).allow).toBe(true);
    const throwing = testGate(issuer, actions, {
      scopes: () => {
        throw new Error('reader bug');
      },
    });
    const failed = await throwing.decide('read', bearer(token));
    expect(failed.allow ? 200 : failed.status).toBe(500);
  });

  it('throws UnknownActionError for an undeclared name when the route is declared, and rejects decide', async () => {
    const gate = testGate(issuer, actions);
    expect(() => gate.prepare('nope' as 'read')).toThrow(UnknownActionError);
    expect(() => gate.prepare('nope' as 'read')).toThrow(/declared: read, export, fresh/);
    await expect(gate.decide('nope' as 'read', bearer('x'))).rejects.toBeInstanceOf(UnknownActionError);
  });
});

describe('gate audit events', () => {
  it('emits exactly one event per decision, with who asked for what, and never the token', async () => {
    const hook = vi.fn<(event: DecisionEvent) => void>();
    const gate = testGate(issuer, actions, { onDecision: hook });
    const token = await issuer.mint({ scope: 'invoices:read', jti: 'jti-1' });
    await gate.decide('read', bearer(token, { method: 'GET', path: '/invoices' }));
    expect(hook).toHaveBeenCalledTimes(1);
    await gate.decide('export', bearer(token));
    expect(hook).toHaveBeenCalledTimes(2);
    await gate.decide('read', { method: 'GET', path: '/p', authorization: undefined });
    expect(hook).toHaveBeenCalledTimes(3);
    await gate.decide('read', bearer(`${token}x`));
    expect(hook).toHaveBeenCalledTimes(4);
    await expect(gate.decide('nope' as 'read', bearer(token))).rejects.toThrow(UnknownActionError);
    expect(hook).toHaveBeenCalledTimes(4);

    const events = hook.mock.calls.map(([event]) => event);
    expect(events[0]).toEqual({
      action: 'read',
      outcome: 'allow',
      method: 'GET',
      path: '/invoices',
      sub: 'user-1',
      clientId: 'client-1',
      jti: 'jti-1',
      issuer: ISSUER,
      requiredScopes: ['invoices:read'],
      grantedScopes: ['invoices:read'],
      durationMs: expect.any(Number),
    });
    expect(events[1]).toMatchObject({
      action: 'export',
      outcome: 'refuse',
      status: 403,
      code: 'scope_missing',
      error: 'insufficient_scope',
      sub: 'user-1',
      jti: 'jti-1',
      requiredScopes: ['invoices:export'],
      grantedScopes: ['invoices:read'],
    });
    expect(events[2]).toMatchObject({ outcome: 'refuse', status: 401, code: 'token_missing', path: '/p' });
    expect(events[2]).not.toHaveProperty('error');
    expect(events[2]).not.toHaveProperty('sub');
    expect(events[3]).toMatchObject({ outcome: 'refuse', status: 401, code: 'token_signature' });
    expect(events[3]).not.toHaveProperty('sub');
    expect(events[3]).not.toHaveProperty('cause');
    for (const event of events) {
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
      expect(event.durationMs).toBeLessThan(5000);
      expect(JSON.stringify(event)).not.toContain(token);
      expect(JSON.stringify(event)).not.toContain(token.split('.')[2]);
    }
  });

  it('gives the cause of a 500 to the hook only', async () => {
    const hook = vi.fn<(event: DecisionEvent) => void>();
    const bug = new Error('reader bug');
    const gate = testGate(issuer, actions, {
      onDecision: hook,
      scopes: () => {
        throw bug;
      },
    });
    const decision = await gate.decide('read', bearer(await issuer.mint()));
    expect(decision.allow ? 200 : decision.status).toBe(500);
    expect(JSON.stringify(decision)).not.toContain('reader bug');
    expect(hook).toHaveBeenCalledOnce();
    expect(hook.mock.calls[0]?.[0]).toMatchObject({
      outcome: 'refuse',
      status: 500,
      code: 'internal_error',
      cause: bug,
    });
  });

  it('a throwing or rejecting hook changes nothing', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const throwingHook = vi.fn(() => {
      throw new Error('audit down');
    });
    const rejectingHook = vi.fn(() => Promise.reject(new Error('audit down')));
    const throwing = testGate(issuer, actions, { onDecision: throwingHook });
    const rejecting = testGate(issuer, actions, { onDecision: rejectingHook });
    const plain = testGate(issuer, actions);
    for (const facts of [bearer(token), bearer('bad'), bearer(token, { authorization: undefined })]) {
      const expected = await plain.decide('read', facts);
      expect(await throwing.decide('read', facts)).toEqual(expected);
      expect(await rejecting.decide('read', facts)).toEqual(expected);
    }
    expect(throwingHook).toHaveBeenCalledTimes(3);
    expect(rejectingHook).toHaveBeenCalledTimes(3);
  });
});

describe('shared verified results', () => {
  it('cannot be changed by a handler for the next request', async () => {
    const gate = testGate(issuer, actions);
    const token = await issuer.mint({ scope: 'invoices:read' });
    const first = await gate.decide('read', bearer(token));
    if (!first.allow) throw new Error(first.code);
    expect(() => (first.auth.scopes as Set<string>).add('invoices:admin')).toThrow(TypeError);
    expect(() => {
      (first.auth.claims as { scope?: string }).scope = 'invoices:admin';
    }).toThrow(TypeError);
    const second = await gate.decide('export', bearer(token));
    expect(second.allow).toBe(false);
  });

  it('hands out the same frozen refusal for the same refusal', async () => {
    const gate = createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
    const first = await gate.decide('read', bearer('a'));
    const second = await gate.decide('export', bearer('b'));
    expect(first).toBe(second);
    expect(Object.isFrozen(first)).toBe(true);
  });
});
