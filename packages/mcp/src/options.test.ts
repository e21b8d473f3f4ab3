import { ConfigurationError, createGate, defineActions } from '@actiongate/core';
import { describe, expect, it } from 'vitest';
import { createMcpGuard } from './guard.js';

const actions = defineActions({
  connect: { scopes: ['invoices:read'] },
  refund: { scopes: ['payments:refund'], singleUse: 'per-action' },
});
const JWKS = { keys: [] };
const gate = (extra = {}) =>
  createGate({
    actions,
    resource: 'https://mcp.test/mcp',
    issuers: [{ issuer: 'https://as.test', jwks: JWKS as never }],
    ...extra,
  });

describe('createMcpGuard options', () => {
  it('rejects a gate that accepts tokens in the query or body (MCP: header only)', () => {
    const query = gate({ tokenMethods: { query: true } });
    expect(() => createMcpGuard({ gate: query, connect: 'connect', tools: {} })).toThrow(ConfigurationError);
    expect(() => createMcpGuard({ gate: query, connect: 'connect', tools: {} })).toThrow(/Authorization header only/);
  });

  it('rejects an undeclared connect action or tool action, naming the option', () => {
    expect(() => createMcpGuard({ gate: gate(), connect: 'nope' as never, tools: {} })).toThrow(/connect/);
    expect(() =>
      createMcpGuard({ gate: gate(), connect: 'connect', tools: { refund_invoice: 'refunds' as never } }),
    ).toThrow(/tools\.refund_invoice/);
    expect(() => createMcpGuard({ gate: {} as never, connect: 'connect', tools: {} })).toThrow(/gate/);
    expect(() => createMcpGuard({ gate: gate(), connect: 'connect', tools: {}, maxBodyBytes: 0 })).toThrow(
      /maxBodyBytes/,
    );
  });

  it('serves the baseline as scopes_supported at both well-known paths', () => {
    const guard = createMcpGuard({ gate: gate(), connect: 'connect', tools: { refund_invoice: 'refund' } });
    expect(guard.metadata.scopes_supported).toEqual(['invoices:read']);
    expect(guard.metadataPaths).toEqual([
      '/.well-known/oauth-protected-resource/mcp',
      '/.well-known/oauth-protected-resource',
    ]);
  });

  it('maps a tool call to its action by the body only; other methods to none', () => {
    const guard = createMcpGuard({ gate: gate(), connect: 'connect', tools: { refund_invoice: 'refund' } });
    const msg = (method: string, params?: unknown) => ({ kind: 'method' as const, method, id: 1, params });
    expect(guard.actionFor(msg('tools/call', { name: 'refund_invoice' }))).toBe('refund');
    expect(guard.actionFor(msg('tools/call', { name: 'unknown' }))).toBeUndefined();
    expect(guard.actionFor(msg('tools/call', { name: ['refund_invoice'] }))).toBeUndefined();
    expect(guard.actionFor(msg('prompts/get', { name: 'refund_invoice' }))).toBeUndefined();
    expect(guard.actionFor(msg('tools/call', { name: 'constructor' }))).toBeUndefined();
  });

  it("gives the v2 SDK's scopeChallenge hook the guard's scopes unless the guard allowed this tool", () => {
    const guard = createMcpGuard({ gate: gate(), connect: 'connect', tools: { refund_invoice: 'refund' } });
    const hook = guard.scopeChallenge('refund_invoice');
    expect(hook({})).toEqual({ scopes: ['invoices:read', 'payments:refund'] });
    expect(hook({ authInfo: { extra: { actiongate: { action: 'connect' } } } })).toEqual({
      scopes: ['invoices:read', 'payments:refund'],
    });
    expect(hook({ authInfo: { extra: { actiongate: { action: 'refund' } } } })).toBeUndefined();
  });
});
