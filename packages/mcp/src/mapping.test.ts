/**
 * Prompts, resources and whole methods mapped to actions: each request needs `connect` and
 * then its own action, read from the body; a request not mapped needs `connect` only.
 */
import { ConfigurationError, createGate, defineActions } from '@actiongate/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { createIssuer, ISSUER, type Issuer } from '../test/support.js';
import { createMcpGuard } from './guard.js';

const RESOURCE = 'https://mcp.test/mcp';
const actions = defineActions({
  connect: { scopes: ['docs:read'] },
  'prompts.secret': { scopes: ['prompts:secret'] },
  'payroll.read': { scopes: ['payroll:read'] },
  'resources.list': { scopes: ['resources:list'] },
  'tools.refund': { scopes: ['payments:refund'] },
});

let issuer: Issuer;
beforeAll(async () => {
  issuer = await createIssuer();
});

function guard() {
  const gate = createGate({
    actions,
    resource: RESOURCE,
    realm: 'docs',
    issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
  });
  return createMcpGuard({
    gate,
    connect: 'connect',
    tools: { refund: 'tools.refund' },
    prompts: { secret_prompt: 'prompts.secret' },
    resources: { 'file:///payroll.csv': 'payroll.read' },
    methods: { 'resources/list': 'resources.list', 'prompts/get': 'resources.list' },
  });
}

const post = (token: string, method: string, params: unknown) => ({
  method: 'POST',
  path: '/mcp',
  authorization: `Bearer ${token}`,
  body: { jsonrpc: '2.0', id: 7, method, params },
});

describe('prompts, resources and methods mapped to actions', () => {
  it.each([
    ['prompts/get', { name: 'secret_prompt' }, 'prompts.secret', 'docs:read prompts:secret'],
    ['resources/read', { uri: 'file:///payroll.csv' }, 'payroll.read', 'docs:read payroll:read'],
    ['resources/subscribe', { uri: 'file:///payroll.csv' }, 'payroll.read', 'docs:read payroll:read'],
    ['resources/list', {}, 'resources.list', 'docs:read resources:list'],
    // A prompt not listed falls back to the method's mapping.
    ['prompts/get', { name: 'other' }, 'resources.list', 'docs:read resources:list'],
  ])('%s %j needs %s: 403 naming %s with the baseline only', async (method, params, action, scope) => {
    const g = guard();
    expect(g.actionFor({ kind: 'method', method, id: 1, params })).toBe(action);
    const decision = await g.check(post(await issuer.mint(RESOURCE, { scope: 'docs:read' }), method, params));
    expect(decision.allow).toBe(false);
    if (decision.allow) return;
    expect(decision.status).toBe(403);
    expect(decision.headers['www-authenticate']).toContain(`error="insufficient_scope", scope="${scope}"`);
  });

  it('allows with the action, handing the mapped action to the server', async () => {
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read payroll:read' });
    const decision = await guard().check(post(token, 'resources/read', { uri: 'file:///payroll.csv' }));
    expect(decision.allow && decision.action).toBe('payroll.read');
  });

  it('a resource or method not mapped needs the baseline only; the URI must match exactly', async () => {
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read' });
    for (const [method, params] of [
      ['resources/read', { uri: 'file:///PAYROLL.csv' }],
      ['resources/read', { uri: 'file:///payroll.csv#x' }],
      ['resources/templates/list', {}],
      ['ping', {}],
    ] as const) {
      const decision = await guard().check(post(token, method, params));
      expect(decision.allow && decision.action, `${method} ${JSON.stringify(params)}`).toBe('connect');
    }
  });

  it('reads the name from the body, not from a look-alike field', async () => {
    const token = await issuer.mint(RESOURCE, { scope: 'docs:read' });
    // A `uri` given as an array, or a name on the wrong method, maps to nothing more specific.
    const array = await guard().check(post(token, 'resources/read', { uri: ['file:///payroll.csv'] }));
    expect(array.allow && array.action).toBe('connect');
    const onTools = await guard().check(post(token, 'tools/call', { name: 'secret_prompt' }));
    expect(onTools.allow && onTools.action).toBe('connect');
  });

  it('fails at start-up for an undeclared action or a tools/call method mapping, naming the option', () => {
    const gate = createGate({
      actions,
      resource: RESOURCE,
      issuers: [{ issuer: ISSUER, jwks: { keys: [] } as never }],
    });
    const base = { gate, connect: 'connect' as const, tools: {} };
    expect(() => createMcpGuard({ ...base, prompts: { p: 'nope' as never } })).toThrow(/prompts\.p/);
    expect(() => createMcpGuard({ ...base, resources: { 'file:///x': 'nope' as never } })).toThrow(/resources\.file/);
    expect(() => createMcpGuard({ ...base, methods: { 'tools/call': 'connect' } })).toThrow(ConfigurationError);
    expect(() => createMcpGuard({ ...base, methods: [] as never })).toThrow(/methods/);
  });
});
