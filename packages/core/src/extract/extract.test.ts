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
  ])('%s: authorization_malformed (400)', (_, value) => {
    expect(header(value)).toEqual({ refusal: 'authorization_malformed' });
  });

  it('refuses more than one Authorization field', () => {
    expect(header(['Bearer a', 'Bearer b'])).toEqual({ refusal: 'authorization_repeated' });
    expect(header(['Bearer a'])).toEqual({ token: 'a' });
    expect(header([])).toEqual({ refusal: 'token_missing' });
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
  });

  it('accepts one query token when enabled', () => {
    expect(extractToken(facts({ queryAccessToken: 'abc' }), ON)).toEqual({ token: 'abc' });
  });

  it.each([
    ['an array', ['a', 'b']],
    ['an object', { nested: 'a' }],
    ['a number', 5],
    ['a malformed token', 'a b'],
  ])('refuses %s as the query token', (_, value) => {
    expect(extractToken(facts({ queryAccessToken: value }), ON)).toEqual({ refusal: 'access_token_malformed' });
  });

  it('accepts a body token only from a form body and never with GET', () => {
    const post = { method: 'POST', bodyAccessToken: 'abc' };
    expect(extractToken(facts({ ...post, bodyIsForm: true }), ON)).toEqual({ token: 'abc' });
    expect(extractToken(facts({ ...post, bodyIsForm: false }), ON)).toEqual({ refusal: 'token_in_body' });
    expect(extractToken(facts({ bodyAccessToken: 'abc', bodyIsForm: true }), ON)).toEqual({ refusal: 'token_in_body' });
  });

  it('refuses more than one method at once', () => {
    const headerAndQuery = facts({ authorization: 'Bearer abc', queryAccessToken: 'abc' });
    expect(extractToken(headerAndQuery, ON)).toEqual({ refusal: 'token_methods_multiple' });
    const queryAndBody = facts({ method: 'POST', queryAccessToken: 'a', bodyAccessToken: 'b', bodyIsForm: true });
    expect(extractToken(queryAndBody, ON)).toEqual({ refusal: 'token_methods_multiple' });
  });
});
