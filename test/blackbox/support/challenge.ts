/**
 * The exact refusals the contract prescribes (shared/invoice-api.md, "Refusals" and
 * "Challenge syntax"). The descriptions are written out here rather than imported from the
 * library, so that a change to what clients see fails this suite instead of following along.
 */
import type { RefusalCode } from '@actiongate/core';
import { expect } from 'vitest';
import type { Reply } from './http.js';

export interface Expected {
  readonly error?: string;
  readonly scope?: string;
  readonly acrValues?: string;
  readonly maxAge?: string;
  readonly description?: string;
}

interface Fixed {
  readonly status: number;
  readonly error: string | undefined;
  readonly description: string;
}

const fixed = (status: number, error: string | undefined, description: string): Fixed => ({
  status,
  error,
  description,
});
const invalidRequest = (description: string) => fixed(400, 'invalid_request', description);
const invalidToken = (description: string) => fixed(401, 'invalid_token', description);
const insufficientScope = (description: string) => fixed(403, 'insufficient_scope', description);

/** Every refusal the library can give (packages/core/src/challenge/codes.ts), as clients see it. */
export const REFUSAL: Readonly<Record<RefusalCode, Fixed>> = {
  token_missing: fixed(401, undefined, 'A bearer access token is required'),
  authorization_malformed: invalidRequest('The Authorization header is not valid Bearer credentials'),
  authorization_repeated: invalidRequest('The request has more than one Authorization header'),
  token_in_query: invalidRequest('Access tokens are not accepted in the query string'),
  token_in_body: invalidRequest('Access tokens are not accepted in the request body'),
  token_methods_multiple: invalidRequest('The request sends an access token by more than one method'),
  access_token_malformed: invalidRequest('The access_token parameter is not a single valid token'),
  token_too_large: invalidToken('The access token is too large'),
  token_malformed: invalidToken('The access token is not a well-formed signed JWT'),
  token_type: invalidToken('The access token is not of type at+jwt'),
  token_algorithm: invalidToken('The access token is signed with an algorithm that is not accepted'),
  token_signature: invalidToken('The access token signature is not valid'),
  token_key_unknown: invalidToken('The access token is signed with an unknown key'),
  token_issuer: invalidToken('The access token is not from a trusted issuer'),
  token_audience: invalidToken('The access token is not intended for this resource'),
  token_expired: invalidToken('The access token expired'),
  token_not_yet_valid: invalidToken('The access token is not valid yet'),
  token_claims: invalidToken('The access token lacks a required claim or has a claim of the wrong type'),
  token_replayed: invalidToken('The access token was already used'),
  dpop_authorization_malformed: invalidRequest('The Authorization header is not valid DPoP credentials'),
  dpop_proof_invalid: fixed(401, 'invalid_dpop_proof', 'The DPoP proof is missing or not valid for this request'),
  dpop_proof_replayed: fixed(401, 'invalid_dpop_proof', 'The DPoP proof was already used'),
  dpop_nonce_required: fixed(401, 'use_dpop_nonce', 'The DPoP proof must carry the nonce this server provides'),
  dpop_key_mismatch: invalidToken('The access token is bound to another DPoP key'),
  dpop_token_unbound: invalidToken('The access token is not bound to a DPoP key'),
  token_dpop_bound: invalidToken('The access token is DPoP-bound and must be sent with a DPoP proof'),
  dpop_required: fixed(401, undefined, 'This action requires a DPoP-bound access token'),
  token_inactive: invalidToken('The access token is not active'),
  token_revoked: invalidToken('The access token was revoked'),
  user_authentication_required: fixed(
    401,
    'insufficient_user_authentication',
    'This action requires a stronger or more recent user authentication',
  ),
  scope_missing: insufficientScope('The access token lacks the scopes this action requires'),
  binding_missing: insufficientScope('The access token lacks the authorization_details entry this request requires'),
  token_not_fresh: insufficientScope('The access token is too old for this action; a fresh token is needed'),
  context_refused: insufficientScope('The access token does not permit this request'),
  grant_spent: insufficientScope('The access token was already used for this action; a new grant is needed'),
  budget_spent: insufficientScope('The access token has no uses of this action left; a new grant is needed'),
  keys_unavailable: fixed(503, undefined, 'The keys to verify the access token are unavailable; retry later'),
  introspection_unavailable: fixed(
    503,
    undefined,
    'The access token cannot be checked with the authorization server right now; retry later',
  ),
  replay_store_unavailable: fixed(503, undefined, 'Single-use tokens cannot be checked right now; retry later'),
  revocation_unavailable: fixed(503, undefined, 'Token revocation cannot be checked right now; retry later'),
  internal_error: fixed(500, undefined, 'The request could not be authorized'),
};

/** The per-action description of an any-of action (packages/core/src/gate/prepare.ts). */
export const EXPORT_DESCRIPTION =
  'The access token lacks the scopes this action requires; any one of these suffices: invoices:export or invoices:admin';

export function metadataUrl(base: string): string {
  return `${base}/.well-known/oauth-protected-resource`;
}

/** `Bearer realm="invoices", error=…, scope=…, acr_values=…, max_age=…, resource_metadata=…, error_description=…` */
export function challenge(base: string, expected: Expected = {}, resourceMetadata = metadataUrl(base)): string {
  const params = ['realm="invoices"'];
  if (expected.error !== undefined) params.push(`error="${expected.error}"`);
  if (expected.scope !== undefined) params.push(`scope="${expected.scope}"`);
  if (expected.acrValues !== undefined) params.push(`acr_values="${expected.acrValues}"`);
  if (expected.maxAge !== undefined) params.push(`max_age="${expected.maxAge}"`);
  params.push(`resource_metadata="${resourceMetadata}"`);
  if (expected.description !== undefined) params.push(`error_description="${expected.description}"`);
  return `Bearer ${params.join(', ')}`;
}

/** The challenge for one of the library's fixed refusals. */
export function challengeFor(base: string, code: RefusalCode, scope?: string): string {
  const { error, description } = REFUSAL[code];
  if (error === undefined) return challenge(base);
  return challenge(base, { error, description, ...(scope === undefined ? {} : { scope }) });
}

// RFC 6750 §3 / RFC 9110 §11.6.1 as the contract narrows them: lowercase names, quoted values
// of %x20-21 / %x23-5B / %x5D-7E, separated by ", ".
const VALUE = '"[\\x20\\x21\\x23-\\x5B\\x5D-\\x7E]*"';
const SYNTAX = new RegExp(`^Bearer [a-z_]+=${VALUE}(, [a-z_]+=${VALUE})*$`);

export interface RefusalExpectation {
  readonly status: number;
  readonly challenge: Expected;
  /** The body's `error_description` (and the challenge's, when it has an error). */
  readonly description: string;
  /** Where the metadata document is; default `<base>/.well-known/oauth-protected-resource`. */
  readonly resourceMetadata?: string;
  /** Extra members of the JSON body (RFC 9396 `authorization_details`). */
  readonly body?: Record<string, unknown>;
}

/** A fixed refusal, optionally naming the scope (insufficient_scope) or another description. */
export function refusal(code: RefusalCode, scope?: string, description?: string): RefusalExpectation {
  const { status, error, description: text } = REFUSAL[code];
  const shown = description ?? text;
  return {
    status,
    challenge: error === undefined ? {} : { error, description: shown, ...(scope === undefined ? {} : { scope }) },
    description: shown,
  };
}

/**
 * Status, the exact `WWW-Authenticate`, and the JSON body: the challenge's `error` (absent
 * when it has none) and an `error_description` equal to the challenge's.
 */
export function expectRefusal(reply: Reply, base: string, expected: RefusalExpectation): void {
  const { error } = expected.challenge;
  expect(reply.status, reply.text).toBe(expected.status);
  expect(reply.challenge).toBe(challenge(base, expected.challenge, expected.resourceMetadata));
  expect(reply.challenge).toMatch(SYNTAX);
  expect(reply.challenge).not.toMatch(/error_description="[^"]*scope=/);
  expect(String(reply.headers['content-type'])).toMatch(/^application\/json/);
  const fromHeader = /error_description="([^"]*)"/.exec(reply.challenge ?? '')?.[1];
  if (error === undefined) {
    // RFC 6750 §3.1: a request without credentials gets no error information in the challenge.
    expect(fromHeader).toBeUndefined();
    expect(reply.json).toEqual({ error_description: expected.description, ...expected.body });
  } else {
    expect(fromHeader).toBe(expected.description);
    expect(reply.json).toEqual({ error, error_description: fromHeader, ...expected.body });
  }
}

/** A 503: `Retry-After` in whole seconds, no challenge, never an allow. */
export function expectUnavailable(
  reply: Reply,
  code: 'keys_unavailable' | 'replay_store_unavailable' | 'introspection_unavailable',
): void {
  expect(reply.status, reply.text).toBe(503);
  expect(reply.headers['retry-after']).toMatch(/^\d+$/);
  expect(reply.challenge).toBeUndefined();
  expect(reply.json).toEqual({ error_description: REFUSAL[code].description });
}
