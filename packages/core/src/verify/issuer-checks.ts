/**
 * The per-issuer steps of verification, and the audit detail of each refusal: the `typ`
 * header, the issuer a token names, the audience (in `aud`, or in `client_id` for Cognito),
 * required claims and their types, fixed claim values, and scopes. Every refusal thrown here
 * is a `TokenRejectedError` whose `detail` goes to the audit event only.
 */
import type { JWTPayload } from 'jose';
import { missing, notAccepted, type RefusalDetail, wrongType } from '../audit/detail.js';
import type { RefusalCode } from '../challenge/codes.js';
import { TokenRejectedError } from '../errors.js';
import { readScopesDetailed, SCOPE_READER, type ScopeSource } from '../scopes/index.js';
import { claimRefusal } from './claims.js';
import { normalizeTyp } from './issuer-rules.js';
import type { NormalizedIssuer } from './options.js';

export const rejectWith = (reason: RefusalCode, detail?: RefusalDetail, cause?: unknown): TokenRejectedError =>
  new TokenRejectedError(reason, { cause, detail });

/** The gate-wide settings an issuer's rules fall back to. */
export interface GateDefaults {
  readonly tokenTypes: ReadonlySet<string>;
  readonly audience: readonly string[];
  readonly requiredClaims: readonly string[];
  readonly scopeSource: ScopeSource;
}

/** An issuer with its rules resolved against the gate's defaults. */
export interface EffectiveRules {
  readonly tokenTypes: ReadonlySet<string>;
  readonly untyped: boolean;
  readonly audience: readonly string[];
  readonly audienceClaim: 'aud' | 'client_id';
  readonly requiredClaims: readonly string[];
  readonly scopeSource: ScopeSource;
  readonly clientIdClaim: string;
  readonly tokenIdClaim: string;
  readonly claimValues: Readonly<Record<string, string>>;
}

export function effectiveRules(issuer: NormalizedIssuer, defaults: GateDefaults): EffectiveRules {
  const rules = issuer.rules;
  return Object.freeze({
    tokenTypes: rules.tokenTypes ?? defaults.tokenTypes,
    untyped: rules.untyped,
    audience: rules.audience ?? defaults.audience,
    audienceClaim: rules.audienceClaim,
    requiredClaims: rules.requiredClaims ?? defaults.requiredClaims,
    scopeSource: rules.scopes ?? defaults.scopeSource,
    clientIdClaim: rules.clientIdClaim,
    tokenIdClaim: rules.tokenIdClaim,
    claimValues: rules.claimValues,
  });
}

const TYP_HINT =
  "Auth0, Okta, Entra ID and Keycloak sign access tokens with typ JWT (or none): use that provider's preset, " +
  "or set this issuer's tokenTypes (a deliberate deviation from RFC 9068 §4)";

function typesOf(rules: Pick<EffectiveRules, 'tokenTypes' | 'untyped'>): string[] {
  return [...rules.tokenTypes, ...(rules.untyped ? ['(none)'] : [])];
}

/** RFC 9068 §4: the `typ` header, against the types one issuer (or any issuer) accepts. */
export function checkTokenType(typ: unknown, rules: Pick<EffectiveRules, 'tokenTypes' | 'untyped'>): void {
  if (typ === undefined) {
    if (rules.untyped) return;
    throw rejectWith('token_type', { ...missing('typ'), expected: typesOf(rules), hint: TYP_HINT });
  }
  if (typeof typ !== 'string') throw rejectWith('token_type', wrongType('typ', typ, 'string'));
  if (!rules.tokenTypes.has(normalizeTyp(typ)))
    throw rejectWith('token_type', notAccepted('typ', typ, typesOf(rules), TYP_HINT));
}

/** A token whose `iss` names no trusted issuer (several issuers configured). */
export function unknownIssuer(iss: unknown, trusted: readonly string[]): TokenRejectedError {
  if (iss === undefined) return rejectWith('token_claims', missing('iss'));
  if (typeof iss !== 'string') return rejectWith('token_claims', wrongType('iss', iss, 'string'));
  return rejectWith('token_issuer', notAccepted('iss', iss, trusted));
}

/**
 * The detail of a refusal `jose` decided: the claim it names and, for `iss` and `aud`, the
 * token's value (its signature verified) against the configured ones.
 */
export function joseDetail(error: unknown, issuer: string, audience: readonly string[]): RefusalDetail | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { code, claim, reason, payload } = error as {
    code?: unknown;
    claim?: unknown;
    reason?: unknown;
    payload?: unknown;
  };
  if (code !== 'ERR_JWT_CLAIM_VALIDATION_FAILED' && code !== 'ERR_JWT_EXPIRED') return undefined;
  if (typeof claim !== 'string') return undefined;
  if (reason === 'missing') return missing(claim);
  const value = typeof payload === 'object' && payload !== null ? (payload as JWTPayload)[claim] : undefined;
  if (reason === 'invalid') return wrongType(claim, value);
  if (claim === 'iss') return notAccepted('iss', value, [issuer]);
  if (claim === 'aud') return notAccepted('aud', value, audience);
  return undefined;
}

export interface IssuerClaims {
  readonly scopes: ReadonlySet<string>;
  readonly clientId: string | undefined;
  readonly tokenId: string | undefined;
}

/** Everything checked once the signature holds: claims, fixed values, client audience, scopes. */
export function checkIssuerClaims(
  claims: JWTPayload,
  rules: EffectiveRules,
  now: number,
  tolerance: number,
): IssuerClaims {
  const refusal = claimRefusal(claims, rules.requiredClaims, now, tolerance);
  if (refusal !== undefined) throw rejectWith(refusal.reason, refusal.detail);
  for (const claim of [rules.clientIdClaim, rules.tokenIdClaim]) {
    const value = claims[claim];
    if (value !== undefined && typeof value !== 'string')
      throw rejectWith('token_claims', wrongType(claim, value, 'string'));
  }
  for (const [claim, expected] of Object.entries(rules.claimValues)) {
    const value = claims[claim];
    if (value === undefined) throw rejectWith('token_claims', missing(claim));
    if (value !== expected) throw rejectWith('token_claims', notAccepted(claim, value, [expected]));
  }
  if (rules.audienceClaim === 'client_id') {
    // Amazon Cognito: access tokens carry no `aud`; the app client in `client_id` is the audience.
    const client = claims.client_id;
    if (client === undefined) throw rejectWith('token_claims', missing('client_id'));
    if (typeof client !== 'string') throw rejectWith('token_claims', wrongType('client_id', client, 'string'));
    if (!rules.audience.includes(client))
      throw rejectWith('token_audience', notAccepted('client_id', client, rules.audience));
  }
  const reading = readScopesDetailed(claims, rules.scopeSource);
  if ('invalid' in reading) {
    // A reader's claim is its own business: its name is given, not the value it returned.
    const detail =
      reading.invalid === SCOPE_READER
        ? { claim: SCOPE_READER, problem: 'wrong_type' as const }
        : wrongType(reading.invalid, reading.value);
    throw rejectWith('token_claims', detail);
  }
  const clientId = claims[rules.clientIdClaim];
  const tokenId = claims[rules.tokenIdClaim];
  return {
    scopes: reading.scopes,
    clientId: typeof clientId === 'string' ? clientId : undefined,
    tokenId: typeof tokenId === 'string' ? tokenId : undefined,
  };
}
