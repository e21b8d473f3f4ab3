import { describe, expect, it } from 'vitest';
import { readScopes } from './index.js';

const set = (...scopes: string[]) => new Set(scopes);

describe('readScopes', () => {
  it('reads scope as a space-delimited string and tolerates repeated spaces', () => {
    expect(readScopes({ scope: 'a b  c' }, ['scope'])).toEqual(set('a', 'b', 'c'));
    expect(readScopes({ scope: '' }, ['scope'])).toEqual(set());
  });

  it('reads scp as an array or a string, and permissions as an array', () => {
    expect(readScopes({ scp: ['a', 'b'] }, ['scp'])).toEqual(set('a', 'b'));
    expect(readScopes({ scp: 'a b' }, ['scp'])).toEqual(set('a', 'b'));
    expect(readScopes({ permissions: ['read:x'] }, ['permissions'])).toEqual(set('read:x'));
  });

  it('uses the first claim present, in the order given', () => {
    expect(readScopes({ scope: 'a', scp: ['b'] }, ['scope', 'scp'])).toEqual(set('a'));
    expect(readScopes({ scp: ['b'] }, ['scope', 'scp'])).toEqual(set('b'));
    expect(readScopes({ scope: 'a', scp: ['b'] }, ['scp', 'scope'])).toEqual(set('b'));
  });

  it('treats an absent claim as no scopes', () => {
    expect(readScopes({}, ['scope', 'scp'])).toEqual(set());
  });

  it.each([
    ['scope as an array', { scope: ['a'] }],
    ['scope as a number', { scope: 1 }],
    ['scp with a number', { scp: ['a', 1] }],
    ['permissions as a string', { permissions: 'a' }],
  ])('answers null for %s (the token is invalid)', (_, claims) => {
    expect(readScopes(claims, ['scope', 'scp', 'permissions'])).toBeNull();
  });

  it('calls a function source and checks what it returns', () => {
    expect(readScopes({ roles: ['x'] }, (claims) => claims.roles as string[])).toEqual(set('x'));
    expect(readScopes({}, () => undefined)).toEqual(set());
    expect(readScopes({}, () => [1] as never)).toBeNull();
  });
});
