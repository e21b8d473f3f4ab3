import { describe, expect, it } from 'vitest';
import { ConfigurationError, UnknownActionError } from '../errors.js';
import { defineActions } from './index.js';

describe('defineActions', () => {
  it('compiles all-of and any-of requirements', () => {
    const actions = defineActions({
      read: { scopes: ['invoices:read'] },
      export: { anyOf: ['invoices:export', 'invoices:admin'] },
    });
    expect(actions.names).toEqual(['read', 'export']);
    expect([...actions.get('read').allOf]).toEqual(['invoices:read']);
    expect(actions.get('export').challengeScope).toEqual(['invoices:export']);
  });

  it('throws UnknownActionError for an undeclared name', () => {
    const actions = defineActions({ read: { scopes: ['a'] } });
    expect(() => actions.get('nope' as 'read')).toThrow(UnknownActionError);
  });

  it('refuses a scope outside RFC 6749 §3.3 at declaration', () => {
    expect(() => defineActions({ bad: { scopes: ['has space'] } })).toThrow(ConfigurationError);
    expect(() => defineActions({ bad: { scopes: ['quo"te'] } })).toThrow(/actions\.bad\.scopes\[0\]/);
  });
});
