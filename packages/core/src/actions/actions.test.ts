import { describe, expect, expectTypeOf, it } from 'vitest';
import { ConfigurationError, UnknownActionError } from '../errors.js';
import { type ActionDeclaration, defineActions } from './index.js';
import { isScopeToken } from './scope-syntax.js';

function optionAtFault(declarations: Record<string, unknown>): string {
  try {
    defineActions(declarations as Record<string, ActionDeclaration>);
  } catch (error) {
    if (error instanceof ConfigurationError) return error.option;
    throw error;
  }
  throw new Error('no ConfigurationError');
}

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

  it('names the complete requirement in challenges: every all-of scope and the first alternative, once each', () => {
    const actions = defineActions({
      act: { scopes: ['a', 'b', 'a'], anyOf: [['b', 'c'], 'd'] },
      none: { scopes: [] },
    });
    const act = actions.get('act');
    expect([...act.allOf]).toEqual(['a', 'b']);
    expect(act.anyOf.map((alternative) => [...alternative])).toEqual([['b', 'c'], ['d']]);
    expect(act.challengeScope).toEqual(['a', 'b', 'c']);
    expect(act.scopesUsed).toEqual(['a', 'b', 'c', 'd']);
    expect(actions.get('none').challengeScope).toEqual([]);
    expect(actions.get('none').anyOf).toEqual([]);
  });

  it('keeps the other options, frozen', () => {
    const check = () => undefined;
    const authorizationDetails = () => undefined;
    const actions = defineActions({
      refund: {
        scopes: ['payments:refund'],
        description: 'Refund an invoice',
        maxTokenAge: 300,
        userAuthentication: { acrValues: ['urn:actiongate:mfa'], maxAge: 600 },
        authorizationDetails,
        check,
        singleUse: true,
      },
    });
    const refund = actions.get('refund');
    expect(refund).toMatchObject({
      name: 'refund',
      description: 'Refund an invoice',
      maxTokenAge: 300,
      userAuthentication: { acrValues: ['urn:actiongate:mfa'], maxAge: 600 },
      singleUse: true,
    });
    expect(refund.check).toBe(check);
    expect(refund.authorizationDetails).toBe(authorizationDetails);
    expect(Object.isFrozen(refund)).toBe(true);
    expect(Object.isFrozen(actions)).toBe(true);
    expect(Object.isFrozen(actions.names)).toBe(true);
    expect(defineActions({ read: { scopes: [] } }).get('read').singleUse).toBe(false);
  });

  it('throws UnknownActionError for an undeclared name, naming what is declared', () => {
    const actions = defineActions({ read: { scopes: ['a'] } });
    expect(() => actions.get('nope' as 'read')).toThrow(UnknownActionError);
    expect(() => actions.get('nope' as 'read')).toThrow(
      'unknown action "nope"; declare it in defineActions() (declared: read)',
    );
    expect(actions.has('read')).toBe(true);
    expect(actions.has('nope')).toBe(false);
    expect(actions.has('toString')).toBe(false);
  });

  it('types the names: only declared ones compile', () => {
    const actions = defineActions({ 'invoices.read': { scopes: [] }, 'invoices.delete': { scopes: [] } });
    expectTypeOf(actions.names).toEqualTypeOf<readonly ('invoices.read' | 'invoices.delete')[]>();
    expectTypeOf(actions.get).parameter(0).toEqualTypeOf<'invoices.read' | 'invoices.delete'>();
    // @ts-expect-error: 'invoices.export' was never declared
    expect(() => actions.get('invoices.export')).toThrow(UnknownActionError);
  });

  it('refuses a scope outside RFC 6749 §3.3 at declaration', () => {
    expect(() => defineActions({ bad: { scopes: ['has space'] } })).toThrow(ConfigurationError);
    expect(() => defineActions({ bad: { scopes: ['quo"te'] } })).toThrow(/actions\.bad\.scopes\[0\]/);
    for (const scope of ['', 'a b', 'a"b', 'a\\b', 'é', 'a\tb', 1, null]) expect(isScopeToken(scope)).toBe(false);
    for (const scope of ['a', '!', 'invoices:read', 'https://api.test/x', '~{}|'])
      expect(isScopeToken(scope)).toBe(true);
  });

  it.each([
    ['actions', null],
    ['actions', {}],
    ['actions', { '': { scopes: [] } }],
    ['actions.a', { a: null }],
    ['actions.a.scopes', { a: {} }],
    ['actions.a.scopes', { a: { description: 'forgot the scopes' } }],
    ['actions.a.scopes', { a: { scopes: 'invoices:read' } }],
    ['actions.a.scopes[1]', { a: { scopes: ['ok', 'not ok'] } }],
    ['actions.a.scope', { a: { scope: ['invoices:read'] } }],
    ['actions.a.anyOf', { a: { anyOf: [] } }],
    ['actions.a.anyOf', { a: { anyOf: 'x' } }],
    ['actions.a.anyOf[0]', { a: { anyOf: [[]] } }],
    ['actions.a.anyOf[1][0]', { a: { anyOf: ['x', ['y z']] } }],
    ['actions.a.description', { a: { scopes: [], description: 1 } }],
    ['actions.a.maxTokenAge', { a: { scopes: [], maxTokenAge: -1 } }],
    ['actions.a.maxTokenAge', { a: { scopes: [], maxTokenAge: 1.5 } }],
    ['actions.a.userAuthentication', { a: { scopes: [], userAuthentication: { acr: 'x' } } }],
    ['actions.a.userAuthentication.acrValues', { a: { scopes: [], userAuthentication: { acrValues: [] } } }],
    ['actions.a.userAuthentication.acrValues[0]', { a: { scopes: [], userAuthentication: { acrValues: ['a b'] } } }],
    ['actions.a.userAuthentication.acrValues[0]', { a: { scopes: [], userAuthentication: { acrValues: ['a"b'] } } }],
    [
      'actions.a.userAuthentication.maxAge',
      { a: { scopes: [], userAuthentication: { acrValues: ['x'], maxAge: '600' } } },
    ],
    ['actions.a.authorizationDetails', { a: { scopes: [], authorizationDetails: {} } }],
    ['actions.a.check', { a: { scopes: [], check: 'yes' } }],
    ['actions.a.singleUse', { a: { scopes: [], singleUse: 'true' } }],
  ])('names %s for a bad declaration', (option, declarations) => {
    expect(optionAtFault(declarations as Record<string, unknown>)).toBe(option);
  });
});
