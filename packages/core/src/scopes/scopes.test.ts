import { describe, expect, it } from 'vitest';
import { DEFAULT_SCOPE_SOURCE, readScopes } from './index.js';

const set = (...scopes: string[]) => new Set(scopes);

describe('readScopes', () => {
  it('reads scope as a space-delimited string and tolerates repeated spaces', () => {
    expect(readScopes({ scope: 'a b  c' }, ['scope'])).toEqual(set('a', 'b', 'c'));
    expect(readScopes({ scope: '' }, ['scope'])).toEqual(set());
    expect(readScopes({ scope: ' a ' }, ['scope'])).toEqual(set('a'));
    expect(readScopes({ scope: 'a a' }, ['scope'])).toEqual(set('a'));
  });

  it('reads scp as an array or a string, and permissions as an array', () => {
    expect(readScopes({ scp: ['a', 'b'] }, ['scp'])).toEqual(set('a', 'b'));
    expect(readScopes({ scp: 'a b' }, ['scp'])).toEqual(set('a', 'b'));
    expect(readScopes({ permissions: ['read:x'] }, ['permissions'])).toEqual(set('read:x'));
    expect(readScopes({ scp: [] }, ['scp'])).toEqual(set());
    expect(readScopes({ scp: '' }, ['scp'])).toEqual(set());
    expect(readScopes({ permissions: [] }, ['permissions'])).toEqual(set());
  });

  it('reads scope, then scp, by default, and never permissions unless asked', () => {
    expect(DEFAULT_SCOPE_SOURCE).toEqual(['scope', 'scp']);
    expect(readScopes({ scope: 'a', scp: ['b'], permissions: ['c'] }, DEFAULT_SCOPE_SOURCE)).toEqual(set('a'));
    expect(readScopes({ scp: ['b'], permissions: ['c'] }, DEFAULT_SCOPE_SOURCE)).toEqual(set('b'));
    expect(readScopes({ permissions: ['c'] }, DEFAULT_SCOPE_SOURCE)).toEqual(set());
    expect(readScopes({ permissions: ['c'] }, ['scope', 'permissions'])).toEqual(set('c'));
  });

  it('uses the first claim present, in the order given', () => {
    expect(readScopes({ scope: 'a', scp: ['b'] }, ['scope', 'scp'])).toEqual(set('a'));
    expect(readScopes({ scp: ['b'] }, ['scope', 'scp'])).toEqual(set('b'));
    expect(readScopes({ scope: 'a', scp: ['b'] }, ['scp', 'scope'])).toEqual(set('b'));
  });

  it('decides by the first claim present even when it is malformed and a later one is fine', () => {
    expect(readScopes({ scope: ['a'], scp: ['b'] }, ['scope', 'scp'])).toBeNull();
    expect(readScopes({ scope: null, scp: ['b'] }, ['scope', 'scp'])).toBeNull();
    expect(readScopes({ scp: 5, scope: 'a' }, ['scp', 'scope'])).toBeNull();
  });

  it('treats an absent claim as no scopes', () => {
    expect(readScopes({}, ['scope', 'scp'])).toEqual(set());
  });

  it.each([
    ['scope as an array', { scope: ['a'] }],
    ['scope as a number', { scope: 1 }],
    ['scp with a number', { scp: ['a', 1] }],
    ['permissions as a string', { permissions: 'a' }],
    ['scope as null', { scope: null }],
    ['scope as an object', { scope: { a: true } }],
    ['scope as a boolean', { scope: true }],
    ['scp as an object', { scp: { 0: 'a' } }],
    ['scp as a number', { scp: 1 }],
    ['scp with a nested array', { scp: [['a']] }],
    ['scp with null', { scp: ['a', null] }],
    ['permissions as an object', { permissions: { read: true } }],
    ['permissions with an object', { permissions: [{ scope: 'a' }] }],
  ])('answers null for %s (the token is invalid)', (_, claims) => {
    expect(readScopes(claims, ['scope', 'scp', 'permissions'])).toBeNull();
  });

  it('calls a function source and checks what it returns', () => {
    expect(readScopes({ roles: ['x'] }, (claims) => claims.roles as string[])).toEqual(set('x'));
    expect(readScopes({}, () => undefined)).toEqual(set());
    expect(readScopes({}, () => [1] as never)).toBeNull();
    expect(readScopes({}, () => 'a b' as never)).toBeNull();
    expect(readScopes({}, () => null as never)).toBeNull();
    expect(readScopes({}, () => [])).toEqual(set());
    const seen: unknown[] = [];
    readScopes({ roles: ['x'] }, (claims) => {
      seen.push(claims);
      return undefined;
    });
    expect(seen).toEqual([{ roles: ['x'] }]);
  });

  it('gives a set nobody can change', () => {
    for (const scopes of [readScopes({ scope: 'a' }, ['scope']), readScopes({}, ['scope'])]) {
      expect(() => (scopes as Set<string>).add('admin')).toThrow(TypeError);
      expect(() => (scopes as Set<string>).delete('a')).toThrow(TypeError);
      expect(() => (scopes as Set<string>).clear()).toThrow(TypeError);
      expect(Object.isFrozen(scopes)).toBe(true);
    }
    expect(readScopes({ scope: 'a' }, ['scope'])?.has('a')).toBe(true);
  });
});
