import { describe, expect, it } from 'vitest';
import { defineActions } from '../actions/index.js';
import { scopesCheck } from './scopes.js';
import type { CheckContext } from './types.js';

const actions = defineActions({
  write: { scopes: ['invoices:read', 'invoices:write'] },
  export: { scopes: ['invoices:read'], anyOf: ['invoices:export', ['invoices:admin', 'audit:read']] },
  open: { scopes: [] },
  either: { scopes: [], anyOf: ['invoices:export', 'invoices:admin'] },
});
const holding = (...scopes: string[]) => ({ token: { scopes: new Set(scopes) } }) as unknown as CheckContext;
const evaluate = (name: 'write' | 'export' | 'open' | 'either', ...scopes: string[]) =>
  scopesCheck(actions.get(name)).evaluate(holding(...scopes));

describe('scopes (RFC 6750 §3.1 insufficient_scope)', () => {
  it('needs every scope of `scopes`', () => {
    expect(evaluate('write', 'invoices:read', 'invoices:write', 'x')).toBeUndefined();
    expect(evaluate('write', 'invoices:read')).toEqual({ reason: 'scope' });
    expect(evaluate('write')).toEqual({ reason: 'scope' });
  });

  it('needs, besides, every scope of one `anyOf` alternative', () => {
    expect(evaluate('export', 'invoices:read', 'invoices:export')).toBeUndefined();
    expect(evaluate('export', 'invoices:read', 'invoices:admin', 'audit:read')).toBeUndefined();
    expect(evaluate('export', 'invoices:read', 'invoices:admin')).toEqual({ reason: 'scope' });
    expect(evaluate('export', 'invoices:export')).toEqual({ reason: 'scope' });
  });

  it('needs one `anyOf` alternative when `scopes` is empty', () => {
    expect(evaluate('either', 'invoices:admin')).toBeUndefined();
    expect(evaluate('either', 'invoices:export')).toBeUndefined();
    expect(evaluate('either', 'invoices:read')).toEqual({ reason: 'scope' });
    expect(evaluate('either')).toEqual({ reason: 'scope' });
  });

  it('holds for an action that needs no scope', () => {
    expect(evaluate('open')).toBeUndefined();
  });
});
