import { describe, expect, it } from 'vitest';
import type { RequestFacts } from '../facts.js';
import { type ExtractOptions, extractToken } from './index.js';

const OFF: ExtractOptions = { allowBodyToken: false, allowQueryToken: false };
const ON: ExtractOptions = { allowBodyToken: true, allowQueryToken: true };
const facts = (extra: Partial<RequestFacts>): RequestFacts => ({
  method: 'GET',
  path: '/',
  authorization: undefined,
  ...extra,
});
const header = (authorization: RequestFacts['authorization'], options = OFF) =>
  extractToken(facts({ authorization }), options);

describe('extractToken: the Authorization header (RFC 6750 §2.1)', () => {
  it.each([
    ['Bearer abc', 'abc'],
    ['bearer abc', 'abc'],
    ['BEARER abc', 'abc'],
    ['Bearer   abc', 'abc'],
    ['Bearer a-b.c_d~e+f/g==', 'a-b.c_d~e+f/g=='],
    ['bEaReR abc', 'abc'],
    ['Bearer abc=', 'abc='],
    ['Bearer eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln', 'eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln'],
  ])('%j gives the token', (value, token) => {
    expect(header(value)).toEqual({ token });
  });

  it.each([
    ['no header', undefined],
    ['another scheme', 'Basic dXNlcjpwYXNz'],
    ['a scheme alone', 'Negotiate'],
    ['a scheme like Bearer', 'Bearerx abc'],
    ['DPoP', 'DPoP abc'],
  ])('%s: token_missing (401 without error)', (_, value) => {
    expect(header(value)).toEqual({ refusal: 'token_missing' });
  });

  it.each([
    ['empty', ''],
    ['Bearer alone', 'Bearer'],
    ['a space in the token', 'Bearer a b'],
    ['a comma', 'Bearer a,b'],
    ['a quote', 'Bearer a"b'],
    ['a tab', 'Bearer\tabc'],
    ['a tab after spaces', 'Bearer \tabc'],
    ['a leading =', 'Bearer =abc'],
    ['= inside', 'Bearer a=b'],
    ['non-ASCII', 'Bearer tökén'],
    ['a control character', 'Bearer a\u0001b'],
    ['Bearer twice', 'Bearer Bearer abc'],
    ['a comma-joined list', 'Bearer abc, Bearer def'],
    ['a scheme with a non-token character', 'Bea(rer abc'],
    ['Bearer and spaces only', 'Bearer   '],
    ['a trailing space', 'Bearer abc '],
    ['only =', 'Bearer =='],
    ['a no-break space instead of the space', 'Bearer\u00a0abc'],
    ['a line break', 'Bearer abc\r\nX-Injected: 1'],
    ['DEL', 'Bearer abc\u007f'],
    ['NUL', 'Bearer \u0000abc'],
    ['an emoji', 'Bearer abc\u{1f511}'],
    ['a non-ASCII scheme', 'Bëarer abc'],
    ['a Cyrillic lookalike of Bearer', '\u0412earer abc'],
    ['a control character in the scheme', 'B\u0005arer abc'],
    ['spaces only', '   '],
    ['a leading space', ' Bearer abc'],
  ])('%s: authorization_malformed (400)', (_, value) => {
    expect(header(value)).toEqual({ refusal: 'authorization_malformed' });
  });

  it('refuses more than one Authorization field', () => {
    expect(header(['Bearer a', 'Bearer b'])).toEqual({ refusal: 'authorization_repeated' });
    expect(header(['Bearer a'])).toEqual({ token: 'a' });
    expect(header([])).toEqual({ refusal: 'token_missing' });
    expect(header(['Basic dXNlcjpwYXNz', 'Bearer a'])).toEqual({ refusal: 'authorization_repeated' });
    expect(header(['', ''])).toEqual({ refusal: 'authorization_repeated' });
    expect(header(['Bearer a b'])).toEqual({ refusal: 'authorization_malformed' });
  });

  it('refuses a repeated header before looking at the query or the body', () => {
    const repeatedAndQuery = facts({ authorization: ['Bearer a', 'Bearer a'], queryAccessToken: 'a' });
    expect(extractToken(repeatedAndQuery, OFF)).toEqual({ refusal: 'authorization_repeated' });
    expect(extractToken(repeatedAndQuery, ON)).toEqual({ refusal: 'authorization_repeated' });
  });
});

describe('extractToken: query (§2.3) and form body (§2.2)', () => {
  it('refuses access_token in the query or the body while those methods are off', () => {
    expect(extractToken(facts({ queryAccessToken: 'abc' }), OFF)).toEqual({ refusal: 'token_in_query' });
    expect(extractToken(facts({ queryAccessToken: '' }), OFF)).toEqual({ refusal: 'token_in_query' });
    expect(extractToken(facts({ bodyAccessToken: 'abc', bodyIsForm: true }), OFF)).toEqual({
      refusal: 'token_in_body',
    });
    const both = facts({ authorization: 'Bearer abc', queryAccessToken: 'abc' });
    expect(extractToken(both, OFF)).toEqual({ refusal: 'token_in_query' });
    const bodyWithHeader = facts({ method: 'POST', authorization: 'Bearer abc', bodyAccessToken: 'abc' });
    expect(extractToken(bodyWithHeader, OFF)).toEqual({ refusal: 'token_in_body' });
  });

  it.each([
    ['an array', ['a', 'b']],
    ['an object', { nested: 'a' }],
    ['a number', 5],
    ['a malformed token', 'a b'],
  ])('refuses %s in the query or the body while off, whatever its shape', (_, value) => {
    expect(extractToken(facts({ queryAccessToken: value }), OFF)).toEqual({ refusal: 'token_in_query' });
    const body = facts({ method: 'POST', bodyAccessToken: value, bodyIsForm: true });
    expect(extractToken(body, OFF)).toEqual({ refusal: 'token_in_body' });
  });

  it('treats null and undefined parameters as absent', () => {
    expect(extractToken(facts({ queryAccessToken: null, bodyAccessToken: undefined }), OFF)).toEqual({
      refusal: 'token_missing',
    });
    expect(extractToken(facts({ authorization: 'Bearer abc', queryAccessToken: null }), OFF)).toEqual({
      token: 'abc',
    });
  });

  it('accepts one query token when enabled', () => {
    expect(extractToken(facts({ queryAccessToken: 'abc' }), ON)).toEqual({ token: 'abc' });
  });

  it.each([
    ['an array', ['a', 'b']],
    ['an object', { nested: 'a' }],
    ['a number', 5],
    ['a malformed token', 'a b'],
    ['an empty string', ''],
    ['a boolean', true],
  ])('refuses %s as the query or the body token', (_, value) => {
    expect(extractToken(facts({ queryAccessToken: value }), ON)).toEqual({ refusal: 'access_token_malformed' });
    const body = facts({ method: 'POST', bodyAccessToken: value, bodyIsForm: true });
    expect(extractToken(body, ON)).toEqual({ refusal: 'access_token_malformed' });
  });

  it('takes a query token beside another scheme, which carries no bearer token', () => {
    const basicAndQuery = facts({ authorization: 'Basic dXNlcjpwYXNz', queryAccessToken: 'abc' });
    expect(extractToken(basicAndQuery, ON)).toEqual({ token: 'abc' });
    expect(extractToken(basicAndQuery, OFF)).toEqual({ refusal: 'token_in_query' });
  });

  it('enables each method on its own', () => {
    const queryOnly: ExtractOptions = { allowBodyToken: false, allowQueryToken: true };
    const bodyOnly: ExtractOptions = { allowBodyToken: true, allowQueryToken: false };
    const form = { method: 'POST', bodyAccessToken: 'abc', bodyIsForm: true };
    expect(extractToken(facts({ queryAccessToken: 'abc' }), queryOnly)).toEqual({ token: 'abc' });
    expect(extractToken(facts(form), queryOnly)).toEqual({ refusal: 'token_in_body' });
    expect(extractToken(facts(form), bodyOnly)).toEqual({ token: 'abc' });
    expect(extractToken(facts({ queryAccessToken: 'abc' }), bodyOnly)).toEqual({ refusal: 'token_in_query' });
  });

  it('accepts a body token only from a form body and never with GET', () => {
    const post = { method: 'POST', bodyAccessToken: 'abc' };
    expect(extractToken(facts({ ...post, bodyIsForm: true }), ON)).toEqual({ token: 'abc' });
    expect(extractToken(facts({ ...post, bodyIsForm: false }), ON)).toEqual({ refusal: 'token_in_body' });
    expect(extractToken(facts({ bodyAccessToken: 'abc', bodyIsForm: true }), ON)).toEqual({ refusal: 'token_in_body' });
    expect(extractToken(facts({ method: 'get', bodyAccessToken: 'abc', bodyIsForm: true }), ON)).toEqual({
      refusal: 'token_in_body',
    });
    expect(extractToken(facts({ method: 'PUT', bodyAccessToken: 'abc' }), ON)).toEqual({ refusal: 'token_in_body' });
  });

  it('refuses more than one method at once', () => {
    const headerAndQuery = facts({ authorization: 'Bearer abc', queryAccessToken: 'abc' });
    expect(extractToken(headerAndQuery, ON)).toEqual({ refusal: 'token_methods_multiple' });
    const queryAndBody = facts({ method: 'POST', queryAccessToken: 'a', bodyAccessToken: 'b', bodyIsForm: true });
    expect(extractToken(queryAndBody, ON)).toEqual({ refusal: 'token_methods_multiple' });
    const all = facts({
      method: 'POST',
      authorization: 'Bearer abc',
      queryAccessToken: 'a',
      bodyAccessToken: 'b',
      bodyIsForm: true,
    });
    expect(extractToken(all, ON)).toEqual({ refusal: 'token_methods_multiple' });
    // Presence counts, not validity: a malformed second token is still a second method.
    const headerAndBadQuery = facts({ authorization: 'Bearer abc', queryAccessToken: ['x', 'y'] });
    expect(extractToken(headerAndBadQuery, ON)).toEqual({ refusal: 'token_methods_multiple' });
  });
});

describe('extractToken: the DPoP scheme (RFC 9449 §7.1)', () => {
  const DPOP: ExtractOptions = { ...OFF, acceptDpop: true };

  it('reads `DPoP <token68>`, any case, and says so', () => {
    expect(header('DPoP abc', DPOP)).toEqual({ token: 'abc', scheme: 'dpop' });
    expect(header('dpop  a.b.c', DPOP)).toEqual({ token: 'a.b.c', scheme: 'dpop' });
    expect(header('Bearer abc', DPOP)).toEqual({ token: 'abc' });
  });

  it('refuses malformed DPoP credentials with 400, the error meant for the DPoP challenge', () => {
    for (const value of ['DPoP', 'DPoP ', 'DPoP a b', 'DPoP "abc"', 'DPoP a,b']) {
      expect(header(value, DPOP), value).toEqual({ refusal: 'dpop_authorization_malformed', scheme: 'dpop' });
    }
  });

  it('counts DPoP as another scheme while it is off', () => {
    expect(header('DPoP abc')).toEqual({ refusal: 'token_missing' });
    expect(header('DPoPabc', DPOP)).toEqual({ refusal: 'token_missing' });
  });

  it('a DPoP request with a token in the query or body too is refused, naming the DPoP scheme', () => {
    expect(extractToken(facts({ authorization: 'DPoP abc', queryAccessToken: 'x' }), DPOP)).toEqual({
      refusal: 'token_in_query',
      scheme: 'dpop',
    });
    expect(
      extractToken(facts({ authorization: 'DPoP abc', queryAccessToken: 'x' }), { ...ON, acceptDpop: true }),
    ).toEqual({
      refusal: 'token_methods_multiple',
      scheme: 'dpop',
    });
  });
});
