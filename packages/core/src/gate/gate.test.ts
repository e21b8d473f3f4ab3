import { beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestIssuer, ISSUER, RESOURCE, type TestIssuer, testGate } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import type { DecisionEvent } from '../audit/index.js';
import { ConfigurationError, UnknownActionError } from '../errors.js';
import { createGate } from './index.js';
import type { GateOptions } from './options.js';

const actions = defineActions({
  read: { scopes: ['invoices:read'] },
  export: { anyOf: ['invoices:export', ['invoices:read', 'invoices:admin']] },
});
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});

describe('gate decisions', () => {
  it('allows with the verified claims, scopes, action and issuer', async () => {
    const decision = await testGate(issuer, actions).decide(
      'read',
      bearer(await issuer.mint({ scope: 'invoices:read x' })),
    );
    if (!decision.allow) throw new Error(decision.code);
    expect(decision.auth.action).toBe('read');
    expect(decision.auth.issuer).toBe(ISSUER);
    expect(decision.auth.claims.sub).toBe('user-1');
    expect([...decision.auth.scopes]).toEqual(['invoices:read', 'x']);
  });

  it('allows any one alternative of anyOf, including a set', async () => {
    const gate = testGate(issuer, actions);
    for (const [scope, allowed] of [
      ['invoices:export', true],
      ['invoices:read invoices:admin', true],
      ['invoices:admin', false],
      ['invoices:read', false],
    ] as const) {
      expect((await gate.decide('export', bearer(await issuer.mint({ scope })))).allow, scope).toBe(allowed);
    }
  });

  it('emits one audit event per decision, without the token', async () => {
    const events: DecisionEvent[] = [];
    const gate = testGate(issuer, actions, { onDecision: (event) => void events.push(event) });
    const token = await issuer.mint({ scope: 'invoices:read', jti: 'jti-1' });
    await gate.decide('read', bearer(token));
    await gate.decide('export', bearer(token));
    await gate.decide('read', { method: 'GET', path: '/p', authorization: undefined });
    expect(events).toHaveLength(3);
    expect(events[0]).toMatchObject({
      action: 'read',
      outcome: 'allow',
      method: 'POST',
      sub: 'user-1',
      clientId: 'client-1',
      jti: 'jti-1',
      issuer: ISSUER,
      requiredScopes: ['invoices:read'],
      grantedScopes: ['invoices:read'],
    });
    expect(events[0]?.status).toBeUndefined();
    expect(events[1]).toMatchObject({
      outcome: 'refuse',
      status: 403,
      code: 'scope_missing',
      error: 'insufficient_scope',
    });
    expect(events[2]).toMatchObject({ outcome: 'refuse', status: 401, code: 'token_missing', path: '/p' });
    expect(events[2]?.sub).toBeUndefined();
    for (const event of events) {
      expect(event.durationMs).toBeGreaterThanOrEqual(0);
      expect(JSON.stringify(event)).not.toContain(token);
    }
  });

  it('a throwing or rejecting hook changes nothing', async () => {
    const token = await issuer.mint({ scope: 'invoices:read' });
    const throwing = testGate(issuer, actions, {
      onDecision: () => {
        throw new Error('audit down');
      },
    });
    const rejecting = testGate(issuer, actions, { onDecision: () => Promise.reject(new Error('audit down')) });
    expect((await throwing.decide('read', bearer(token))).allow).toBe(true);
    expect((await rejecting.decide('read', bearer(token))).allow).toBe(true);
    expect((await throwing.decide('read', bearer('bad'))).allow).toBe(false);
  });

  it('throws UnknownActionError for an undeclared name when the route is declared', () => {
    const gate = testGate(issuer, actions);
    expect(() => gate.prepare('nope' as 'read')).toThrow(UnknownActionError);
    expect(() => gate.prepare('nope' as 'read')).toThrow(/declared: read, export/);
  });
});

describe('gate configuration', () => {
  const base: GateOptions<'read' | 'export'> = {
    actions,
    resource: RESOURCE,
    issuers: [{ issuer: ISSUER, jwksUri: 'https://as.test/jwks' }],
  };

  it.each([
    ['resource', { resource: 'not a url' }],
    ['resource', { resource: 'https://api.test/#frag' }],
    ['issuers', { issuers: [] }],
    ['issuers[0].issuer', { issuers: [{ issuer: '', jwksUri: 'https://as.test/jwks' }] }],
    ['issuers[0].jwksUri', { issuers: [{ issuer: ISSUER }] }],
    ['issuers[0].jwksUri', { issuers: [{ issuer: ISSUER, jwksUri: 'https://a/j', jwks: { keys: [] } }] }],
    ['issuers[0].jwksUri', { issuers: [{ issuer: ISSUER, jwksUri: 'ftp://as.test/jwks' }] }],
    ['issuers[0].algorithms', { issuers: [{ issuer: ISSUER, jwksUri: 'https://a/j', algorithms: ['HS256'] }] }],
    ['issuers[0].algorithms', { issuers: [{ issuer: ISSUER, jwksUri: 'https://a/j', algorithms: ['none'] }] }],
    ['issuers[1].issuer', { issuers: [base.issuers[0], base.issuers[0]] }],
    ['realm', { realm: 'a"b' }],
    ['clockTolerance', { clockTolerance: -1 }],
    ['scopes', { scopes: ['roles'] }],
    ['bogus', { bogus: true }],
  ])('names %s', (option, change) => {
    const attempt = () => createGate({ ...base, ...change } as GateOptions<'read' | 'export'>);
    expect(attempt).toThrow(ConfigurationError);
    try {
      attempt();
    } catch (error) {
      expect((error as ConfigurationError).option).toBe(option);
      expect((error as Error).message).toContain(`"${option}"`);
    }
  });
});

describe('RFC 9728 metadata', () => {
  it('is derived from the resource and the declared actions', () => {
    const gate = createGate({
      actions,
      resource: 'https://api.test',
      issuers: [{ issuer: ISSUER, jwksUri: 'https://as.test/jwks' }],
      metadata: { resource_name: 'Invoices' },
    });
    expect(gate.metadata).toEqual({
      resource_name: 'Invoices',
      resource: 'https://api.test',
      authorization_servers: [ISSUER],
      scopes_supported: ['invoices:admin', 'invoices:export', 'invoices:read'],
      bearer_methods_supported: ['header'],
    });
    expect(gate.metadataUrl).toBe('https://api.test/.well-known/oauth-protected-resource');
    expect(gate.metadataPath).toBe('/.well-known/oauth-protected-resource');
  });

  it.each([
    ['https://api.test/v1', 'https://api.test/.well-known/oauth-protected-resource/v1'],
    ['https://api.test/v1/', 'https://api.test/.well-known/oauth-protected-resource/v1'],
    ['https://api.test:8443/a/b', 'https://api.test:8443/.well-known/oauth-protected-resource/a/b'],
  ])('puts the well-known segment before the path of %s (§3.1)', (resource, url) => {
    const gate = createGate({ actions, resource, issuers: [{ issuer: ISSUER, jwksUri: 'https://as.test/jwks' }] });
    expect(gate.metadataUrl).toBe(url);
    expect(gate.metadata.resource).toBe(resource);
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
});
