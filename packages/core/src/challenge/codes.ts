/**
 * Every refusal the gate can give, with its fixed status, OAuth error code and description.
 *
 * Descriptions are constants: nothing from the request, the token or a library reaches them.
 * They use only the characters RFC 6750 §3 allows in `error_description`
 * (%x20-21 / %x23-5B / %x5D-7E) and never contain the text `scope=`.
 */

/** The OAuth error codes a challenge can carry (RFC 6750 §3.1, RFC 9470 §3, RFC 9449 §7.1 and §9). */
export type BearerErrorCode =
  | 'invalid_request'
  | 'invalid_token'
  | 'insufficient_scope'
  | 'insufficient_user_authentication'
  | 'invalid_dpop_proof'
  | 'use_dpop_nonce';

interface RefusalSpec {
  readonly status: 400 | 401 | 403 | 500 | 503;
  /** `undefined`: the challenge carries no error (RFC 6750 §3.1, a request without credentials). */
  readonly error: BearerErrorCode | undefined;
  readonly description: string;
}

const spec = (status: RefusalSpec['status'], error: BearerErrorCode | undefined, description: string): RefusalSpec => ({
  status,
  error,
  description,
});

/**
 * Every refusal the gate can give, by stable code: its HTTP status, its OAuth `error` code
 * (RFC 6750 §3.1, RFC 9470 §3) and the fixed `error_description`. Use it to map a
 * {@link RefusalCode} to a status in tests or in a custom refusal hook.
 */
export const REFUSALS = {
  // RFC 6750 §3.1: a request that lacks any authentication information gets no error code.
  token_missing: spec(401, undefined, 'A bearer access token is required'),

  // Request syntax: 400 invalid_request (RFC 6750 §3.1).
  authorization_malformed: spec(400, 'invalid_request', 'The Authorization header is not valid Bearer credentials'),
  authorization_repeated: spec(400, 'invalid_request', 'The request has more than one Authorization header'),
  token_in_query: spec(400, 'invalid_request', 'Access tokens are not accepted in the query string'),
  token_in_body: spec(400, 'invalid_request', 'Access tokens are not accepted in the request body'),
  token_methods_multiple: spec(400, 'invalid_request', 'The request sends an access token by more than one method'),
  access_token_malformed: spec(400, 'invalid_request', 'The access_token parameter is not a single valid token'),

  // Token validity: 401 invalid_token (RFC 6750 §3.1).
  token_too_large: spec(401, 'invalid_token', 'The access token is too large'),
  token_malformed: spec(401, 'invalid_token', 'The access token is not a well-formed signed JWT'),
  token_type: spec(401, 'invalid_token', 'The access token is not of type at+jwt'),
  token_algorithm: spec(401, 'invalid_token', 'The access token is signed with an algorithm that is not accepted'),
  token_signature: spec(401, 'invalid_token', 'The access token signature is not valid'),
  token_key_unknown: spec(401, 'invalid_token', 'The access token is signed with an unknown key'),
  token_issuer: spec(401, 'invalid_token', 'The access token is not from a trusted issuer'),
  token_audience: spec(401, 'invalid_token', 'The access token is not intended for this resource'),
  token_expired: spec(401, 'invalid_token', 'The access token expired'),
  token_not_yet_valid: spec(401, 'invalid_token', 'The access token is not valid yet'),
  token_claims: spec(401, 'invalid_token', 'The access token lacks a required claim or has a claim of the wrong type'),

  // RFC 7662 §2.2: the authorization server says the token is not active (revoked, expired, unknown).
  token_inactive: spec(401, 'invalid_token', 'The access token is not active'),

  // A single-use token presented again (RFC 6750 §3.1: the token is no longer valid).
  token_replayed: spec(401, 'invalid_token', 'The access token was already used'),
  // A revoked token (by its id, its user, its client or its grant) is no longer valid: RFC 6750 §3.1.
  token_revoked: spec(401, 'invalid_token', 'The access token was revoked'),

  // DPoP, RFC 9449. Only ever rendered in the `DPoP` challenge, except `token_dpop_bound`, which
  // answers a Bearer request (§7.2) in the Bearer challenge.
  dpop_authorization_malformed: spec(400, 'invalid_request', 'The Authorization header is not valid DPoP credentials'),
  dpop_proof_invalid: spec(401, 'invalid_dpop_proof', 'The DPoP proof is missing or not valid for this request'),
  dpop_proof_replayed: spec(401, 'invalid_dpop_proof', 'The DPoP proof was already used'),
  dpop_nonce_required: spec(401, 'use_dpop_nonce', 'The DPoP proof must carry the nonce this server provides'),
  dpop_key_mismatch: spec(401, 'invalid_token', 'The access token is bound to another DPoP key'),
  dpop_token_unbound: spec(401, 'invalid_token', 'The access token is not bound to a DPoP key'),
  token_dpop_bound: spec(401, 'invalid_token', 'The access token is DPoP-bound and must be sent with a DPoP proof'),
  // RFC 6750 §3.1: an unsupported authentication method gets a challenge without error.
  dpop_required: spec(401, undefined, 'This action requires a DPoP-bound access token'),

  // Step-up authentication: RFC 9470 §3.
  user_authentication_required: spec(
    401,
    'insufficient_user_authentication',
    'This action requires a stronger or more recent user authentication',
  ),

  // Authorization: 403 insufficient_scope (RFC 6750 §3.1), with the action's scope.
  scope_missing: spec(403, 'insufficient_scope', 'The access token lacks the scopes this action requires'),
  binding_missing: spec(
    403,
    'insufficient_scope',
    'The access token lacks the authorization_details entry this request requires',
  ),
  token_not_fresh: spec(
    403,
    'insufficient_scope',
    'The access token is too old for this action; a fresh token is needed',
  ),
  context_refused: spec(403, 'insufficient_scope', 'The access token does not permit this request'),
  // A per-action single-use grant already spent: the token stays valid for everything else, so
  // this is a shortfall of authorization (RFC 6750 §3.1 insufficient_scope), not of the token.
  grant_spent: spec(
    403,
    'insufficient_scope',
    'The access token was already used for this action; a new grant is needed',
  ),

  // An action's use budget (`uses: { max, within }`) spent: like a spent per-action grant, the
  // token stays valid for every other action, so this is insufficient_scope (RFC 6750 §3.1).
  budget_spent: spec(
    403,
    'insufficient_scope',
    'The access token has no uses of this action left; a new grant is needed',
  ),

  // Fail closed (RFC 9110 §15.6.4 and §10.2.3: 503 with Retry-After).
  keys_unavailable: spec(503, undefined, 'The keys to verify the access token are unavailable; retry later'),
  introspection_unavailable: spec(
    503,
    undefined,
    'The access token cannot be checked with the authorization server right now; retry later',
  ),
  replay_store_unavailable: spec(503, undefined, 'Single-use tokens cannot be checked right now; retry later'),
  revocation_unavailable: spec(503, undefined, 'Token revocation cannot be checked right now; retry later'),
  internal_error: spec(500, undefined, 'The request could not be authorized'),
} as const satisfies Record<string, RefusalSpec>;

/** A stable code naming one refusal. */
export type RefusalCode = keyof typeof REFUSALS;
