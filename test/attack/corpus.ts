/**
 * The attack corpus: hostile requests as data, each with the status and the exact challenge
 * (by the library's refusal code, rendered by the contract's syntax) it must get from both
 * examples. Tokens are recipes, minted per run with the test's own keys.
 */
import type { RefusalCode } from '@actiongate/core';

export type KeyChoice = 'rsa' | 'ec' | 'stranger' | 'hmac-public-pem' | 'hmac-public-jwk';

export interface TokenRecipe {
  /** Claims over valid defaults for the example's audience; `undefined` removes one. */
  readonly claims?: Record<string, unknown>;
  readonly header?: Record<string, unknown>;
  readonly key?: KeyChoice;
  /** Replaces the token with this transformation of a valid one. */
  readonly mangle?: 'drop-signature' | 'swap-signature' | 'nested' | 'b64-false' | 'duplicate-claim';
}

export interface AttackCase {
  readonly name: string;
  readonly method?: string;
  readonly path?: string;
  /** Raw Authorization field values (repeat for repeated headers); `{token}` is replaced by the recipe's token. */
  readonly authorization?: readonly string[];
  readonly token?: TokenRecipe;
  readonly query?: string;
  readonly form?: string;
  readonly status: number;
  /** The refusal whose challenge must come back exactly; `null`: no WWW-Authenticate at all. */
  readonly challenge: RefusalCode | null;
  /** For insufficient_scope: the scope the challenge names. */
  readonly scope?: string;
}

const read = { scope: 'invoices:read' };
const t = (claims: Record<string, unknown> = {}, extra: Omit<TokenRecipe, 'claims'> = {}): TokenRecipe => ({
  claims: { ...read, ...claims },
  ...extra,
});
const invalid = (name: string, token: TokenRecipe, challenge: RefusalCode): AttackCase => ({
  name,
  token,
  status: 401,
  challenge,
});
const malformedHeader = (name: string, value: string): AttackCase => ({
  name,
  authorization: [value],
  // A valid token where the value names one, so only the header's syntax is wrong.
  ...(value.includes('{token}') ? { token: { claims: read } } : {}),
  status: 400,
  challenge: 'authorization_malformed',
});

export const corpus: readonly AttackCase[] = [
  // Header malformations (RFC 6750 §2.1)
  { name: 'no header', authorization: [], status: 401, challenge: 'token_missing' },
  malformedHeader('empty header', ''),
  malformedHeader('lone scheme', 'Bearer'),
  malformedHeader('lone lowercase scheme', 'bearer'),
  malformedHeader('tab after the scheme', 'Bearer\t{token}'),
  malformedHeader('space inside the token', 'Bearer ab cd'),
  malformedHeader('Bearer twice in one value', 'Bearer Bearer {token}'),
  malformedHeader('two credentials joined by a comma', 'Bearer {token}, Bearer {token}'),
  malformedHeader('quoted token', 'Bearer "{token}"'),
  malformedHeader('token with a quote', 'Bearer abc"def'),
  malformedHeader('token with a backslash', 'Bearer abc\\def'),
  malformedHeader('token with a semicolon', 'Bearer abc;def'),
  malformedHeader('token starting with =', 'Bearer =abc'),
  malformedHeader('= inside the token', 'Bearer ab=cd'),
  malformedHeader('non-ASCII in the token', 'Bearer tök€n'),
  malformedHeader('non-ASCII scheme', 'Beärer abc'),
  malformedHeader('scheme with a slash', 'Bearer/1 abc'),
  // Node's HTTP parser refuses control characters itself, before any application code runs.
  { name: 'control character (DEL)', authorization: ['Bearer abc\u007fdef'], status: 400, challenge: null },
  { name: 'control character (SOH)', authorization: ['Bearer abc\u0001def'], status: 400, challenge: null },
  malformedHeader('token=value form', 'Bearer token={token}'),
  malformedHeader('trailing comma', 'Bearer abc,'),
  {
    name: 'lowercase bearer with a valid token',
    authorization: ['bearer {token}'],
    token: t(),
    status: 200,
    challenge: null,
  },
  {
    name: 'extra spaces after the scheme',
    authorization: ['Bearer    {token}'],
    token: t(),
    status: 200,
    challenge: null,
  },
  { name: 'Basic credentials', authorization: ['Basic dXNlcjpwYXNz'], status: 401, challenge: 'token_missing' },
  { name: 'DPoP scheme', authorization: ['DPoP {token}'], token: t(), status: 401, challenge: 'token_missing' },
  { name: 'scheme only, another', authorization: ['Negotiate'], status: 401, challenge: 'token_missing' },
  {
    name: 'Authorization twice',
    authorization: ['Bearer {token}', 'Bearer {token}'],
    token: t(),
    status: 400,
    challenge: 'authorization_repeated',
  },
  {
    name: 'Authorization twice, one Basic',
    authorization: ['Basic dXNlcjpwYXNz', 'Bearer {token}'],
    token: t(),
    status: 400,
    challenge: 'authorization_repeated',
  },
  {
    name: 'a 10 KB header',
    authorization: [`Bearer ${'a'.repeat(10_240)}`],
    status: 401,
    challenge: 'token_too_large',
  },
  { name: 'token in the query', query: 'access_token={token}', token: t(), status: 400, challenge: 'token_in_query' },
  {
    name: 'token in the query and the header',
    authorization: ['Bearer {token}'],
    query: 'access_token={token}',
    token: t(),
    status: 400,
    challenge: 'token_in_query',
  },
  { name: 'empty access_token in the query', query: 'access_token=', status: 400, challenge: 'token_in_query' },
  {
    name: 'access_token twice in the query',
    query: 'access_token=a&access_token=b',
    status: 400,
    challenge: 'token_in_query',
  },
  {
    name: 'token in a form body',
    method: 'POST',
    path: '/invoices/export',
    form: 'access_token={token}',
    token: t(),
    status: 400,
    challenge: 'token_in_body',
  },
  {
    name: 'token in a form body and the header',
    method: 'POST',
    path: '/invoices/export',
    authorization: ['Bearer {token}'],
    form: 'access_token={token}',
    token: t({ scope: 'invoices:export' }),
    status: 400,
    challenge: 'token_in_body',
  },

  // Token structure
  invalid('a valid token without its signature', { mangle: 'drop-signature', claims: read }, 'token_signature'),
  { name: 'a single word', authorization: ['Bearer abc'], status: 401, challenge: 'token_malformed' },
  { name: 'two parts', authorization: ['Bearer abc.def'], status: 401, challenge: 'token_malformed' },
  { name: 'three parts of garbage', authorization: ['Bearer abc.def.ghi'], status: 401, challenge: 'token_malformed' },
  { name: 'four parts', authorization: ['Bearer a.b.c.d'], status: 401, challenge: 'token_malformed' },
  {
    name: 'JWE compact (five parts)',
    authorization: ['Bearer eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c.d'],
    status: 401,
    challenge: 'token_malformed',
  },
  {
    name: 'header that is not JSON',
    authorization: ['Bearer bm90IGpzb24.e30.c2ln'],
    status: 401,
    challenge: 'token_malformed',
  },
  {
    name: 'header that is a JSON array',
    authorization: ['Bearer WzFd.e30.c2ln'],
    status: 401,
    challenge: 'token_malformed',
  },
  invalid('signature of another token', t({}, { mangle: 'swap-signature' }), 'token_signature'),
  invalid('signed by a key not in the set, known kid', t({}, { key: 'stranger' }), 'token_signature'),
  invalid('nested JWT as the payload', t({}, { mangle: 'nested' }), 'token_malformed'),
  {
    name: 'b64: false with crit (its raw payload is not a b64token)',
    authorization: ['Bearer {token}'],
    token: t({}, { mangle: 'b64-false' }),
    status: 400,
    challenge: 'authorization_malformed',
  },
  invalid('duplicate claims (last one wins, here a string exp)', t({}, { mangle: 'duplicate-claim' }), 'token_claims'),

  // alg none, in every spelling, and algorithm confusion
  ...['none', 'None', 'NONE', 'nOnE'].map((alg) =>
    invalid(`alg ${alg}`, t({}, { header: { alg }, mangle: 'drop-signature' }), 'token_algorithm'),
  ),
  invalid('HS256 signed with the RSA public key as PEM', t({}, { key: 'hmac-public-pem' }), 'token_algorithm'),
  invalid('HS256 signed with the RSA public key as JWK', t({}, { key: 'hmac-public-jwk' }), 'token_algorithm'),
  invalid('RS512 (not allowed)', t({}, { header: { alg: 'RS512' }, mangle: 'drop-signature' }), 'token_algorithm'),
  invalid('ES384 (not allowed)', t({}, { header: { alg: 'ES384' }, mangle: 'drop-signature' }), 'token_algorithm'),

  // Header parameters that must be ignored or refused
  invalid('kid with path traversal', t({}, { header: { kid: '../../../../etc/passwd' } }), 'token_key_unknown'),
  invalid('kid with SQL', t({}, { header: { kid: "' OR 1=1 --" } }), 'token_key_unknown'),
  {
    name: 'jku header is ignored',
    token: t({}, { header: { jku: 'http://127.0.0.1:1/evil' } }),
    status: 200,
    challenge: null,
  },
  {
    name: 'x5u header is ignored',
    token: t({}, { header: { x5u: 'http://127.0.0.1:1/evil' } }),
    status: 200,
    challenge: null,
  },
  invalid(
    'embedded jwk of an attacker key is not trusted',
    t({}, { key: 'stranger', header: { jwk: { kty: 'RSA', n: 'x', e: 'AQAB' } } }),
    'token_signature',
  ),
  invalid('unknown crit', t({}, { header: { crit: ['urn:evil'], 'urn:evil': 1 } }), 'token_malformed'),
  invalid('typ JWT', t({}, { header: { typ: 'JWT' } }), 'token_type'),
  invalid('typ missing', t({}, { header: { typ: undefined } }), 'token_type'),
  invalid('typ as a number', t({}, { header: { typ: 1 } }), 'token_type'),
  invalid('typ id_token-like', t({}, { header: { typ: 'application/jwt' } }), 'token_type'),
  {
    name: 'typ application/at+jwt',
    token: t({}, { header: { typ: 'application/AT+JWT' } }),
    status: 200,
    challenge: null,
  },

  // Claims of the wrong JSON type, and clock games
  invalid('exp as a string', t({ exp: '9999999999' }), 'token_claims'),
  invalid('exp missing', t({ exp: undefined }), 'token_claims'),
  invalid('exp expired', t({ exp: 1_000_000_000 }), 'token_expired'),
  invalid('exp as an object', t({ exp: { $gt: 0 } }), 'token_claims'),
  invalid('iat as a string', t({ iat: 'now' }), 'token_claims'),
  invalid('iat far in the future', t({ iat: 9_999_999_999 }), 'token_not_yet_valid'),
  invalid('nbf far in the future', t({ nbf: 9_999_999_999 }), 'token_not_yet_valid'),
  invalid('nbf as a string', t({ nbf: '0' }), 'token_claims'),
  invalid('aud as an object', t({ aud: { '0': 'x' } }), 'token_audience'),
  invalid('aud as a number', t({ aud: 1 }), 'token_audience'),
  invalid('aud empty array', t({ aud: [] }), 'token_audience'),
  invalid('iss of another server', t({ iss: 'https://evil.test' }), 'token_issuer'),
  invalid('iss with a trailing slash', t({ iss: 'https://issuer.test/' }), 'token_issuer'),
  invalid('iss as an array', t({ iss: ['https://issuer.test'] }), 'token_issuer'),
  invalid('sub as a number', t({ sub: 1 }), 'token_claims'),
  invalid('sub missing', t({ sub: undefined }), 'token_claims'),
  invalid('client_id as an object', t({ client_id: {} }), 'token_claims'),
  invalid('jti as a number', t({ jti: 7 }), 'token_claims'),
  invalid('scope as an array', t({ scope: ['invoices:read'] }), 'token_claims'),
  invalid('scope as a number', t({ scope: 1 }), 'token_claims'),
  invalid('scope as null', t({ scope: null }), 'token_claims'),
  { name: 'a huge exp', token: t({ exp: 1e300 }), status: 200, challenge: null },
  { name: 'a negative iat', token: t({ iat: -1 }), status: 200, challenge: null },
  { name: 'scope with many spaces', token: t({ scope: '  invoices:read   x ' }), status: 200, challenge: null },
  {
    name: 'scope that only looks right',
    token: t({ scope: 'invoices:read2 invoices:rea' }),
    status: 403,
    challenge: 'scope_missing',
    scope: 'invoices:read',
  },
  {
    name: 'scope in another case',
    token: t({ scope: 'INVOICES:READ' }),
    status: 403,
    challenge: 'scope_missing',
    scope: 'invoices:read',
  },
  invalid('token over 8 KiB', t({ pad: 'x'.repeat(9000) }), 'token_too_large'),
];

// The refund route: authorization_details of every wrong shape, acr and auth_time of wrong types.
const now = () => Math.floor(Date.now() / 1000);
const refund = (name: string, claims: Record<string, unknown>, status: number, challenge: RefusalCode): AttackCase => ({
  name: `refund: ${name}`,
  method: 'POST',
  path: '/invoices/inv_1001/refund',
  token: {
    claims: {
      scope: 'payments:refund',
      acr: 'urn:actiongate:mfa',
      auth_time: now(),
      authorization_details: [{ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1001' }],
      ...claims,
    },
  },
  status,
  challenge,
  ...(status === 403 ? { scope: 'payments:refund' } : {}),
});

export const refundCorpus: readonly AttackCase[] = [
  refund(
    'authorization_details as an object',
    { authorization_details: { type: 'payment_refund' } },
    403,
    'binding_missing',
  ),
  refund('authorization_details as a string', { authorization_details: 'payment_refund' }, 403, 'binding_missing'),
  refund('authorization_details as null', { authorization_details: null }, 403, 'binding_missing'),
  refund('entries that are strings', { authorization_details: ['payment_refund'] }, 403, 'binding_missing'),
  refund(
    'an entry without type',
    { authorization_details: [{ actions: ['refund'], identifier: 'inv_1001' }] },
    403,
    'binding_missing',
  ),
  refund(
    'type as a number',
    { authorization_details: [{ type: 1, actions: ['refund'], identifier: 'inv_1001' }] },
    403,
    'binding_missing',
  ),
  refund(
    'actions as a string',
    { authorization_details: [{ type: 'payment_refund', actions: 'refund', identifier: 'inv_1001' }] },
    403,
    'binding_missing',
  ),
  refund(
    'identifier as a number',
    { authorization_details: [{ type: 'payment_refund', actions: ['refund'], identifier: 1001 }] },
    403,
    'binding_missing',
  ),
  refund(
    'identifier of another invoice',
    { authorization_details: [{ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1002' }] },
    403,
    'binding_missing',
  ),
  refund(
    'identifier with a wildcard',
    { authorization_details: [{ type: 'payment_refund', actions: ['refund'], identifier: '*' }] },
    403,
    'binding_missing',
  ),
  refund(
    'thousands of entries',
    { authorization_details: Array.from({ length: 100 }, () => ({ type: 'x' })) },
    403,
    'binding_missing',
  ),
  refund('acr as a number', { acr: 2 }, 401, 'token_claims'),
  refund('acr as an array', { acr: ['urn:actiongate:mfa'] }, 401, 'token_claims'),
  refund('auth_time as a string', { auth_time: String(now()) }, 401, 'token_claims'),
  refund('auth_time far in the future', { auth_time: now() + 3600 }, 401, 'token_not_yet_valid'),
  refund('acr of another class', { acr: 'urn:actiongate:mfa ' }, 401, 'user_authentication_required'),
];
