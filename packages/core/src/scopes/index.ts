/**
 * Where a token's scopes come from. Authorization servers disagree: RFC 9068 §2.2.3 and
 * RFC 8693 use `scope` (a space-delimited string), Entra ID `scp` (a string) and, for
 * application permissions, `roles` (an array), Okta and Ory Hydra `scp` (an array), Auth0
 * RBAC `permissions` (an array).
 */
import type { JWTPayload } from 'jose';
import { ConfigurationError } from '../errors.js';

/**
 * A claim scopes can be read from: `scope` is a space-delimited string (RFC 9068 §2.2.3), the
 * others are arrays (`scp` may also be a string).
 */
export type ScopeClaim = 'scope' | 'scp' | 'permissions' | 'roles';
/** Every claim name a `ScopeSource` list may hold. */
export const SCOPE_CLAIMS: readonly ScopeClaim[] = Object.freeze(['scope', 'scp', 'permissions', 'roles']);
/**
 * Reads scopes from verified claims; returns `undefined` when the token holds no scopes, and
 * `null` when the claim it reads has the wrong type (the token is then refused).
 */
export type ScopeReader = (claims: JWTPayload) => readonly string[] | null | undefined;
/**
 * Where a token's scopes come from: claims tried in order, the first present wins, or a
 * {@link ScopeReader} for a provider-specific shape.
 */
export type ScopeSource = readonly ScopeClaim[] | ScopeReader;

export const DEFAULT_SCOPE_SOURCE: readonly ScopeClaim[] = Object.freeze(['scope', 'scp']);

function refuseChange(): never {
  throw new TypeError("the token's scopes are read-only");
}

/**
 * A set nobody can change: verified results are shared by every request that presents the
 * same token (through the cache), so a handler must not be able to add a scope for the next.
 */
function readOnlySet(values: Iterable<string>): ReadonlySet<string> {
  const set = new Set(values);
  Object.assign(set, { add: refuseChange, delete: refuseChange, clear: refuseChange });
  return Object.freeze(set);
}

const EMPTY: ReadonlySet<string> = readOnlySet([]);

function fromString(value: string): ReadonlySet<string> {
  // RFC 6749 §3.3: space-delimited; stray repeated spaces are tolerated, not treated as scopes.
  if (value.length === 0) return EMPTY;
  return readOnlySet(value.split(' ').filter((scope) => scope.length > 0));
}

function fromArray(value: unknown[]): ReadonlySet<string> | null {
  for (const scope of value) if (typeof scope !== 'string') return null;
  return readOnlySet(value as string[]);
}

function readClaim(claim: ScopeClaim, value: unknown): ReadonlySet<string> | null {
  if (claim === 'scope') return typeof value === 'string' ? fromString(value) : null;
  // Entra ID documents `scp` as a space-delimited string, Okta and Hydra as an array.
  if (Array.isArray(value)) return fromArray(value);
  if (claim === 'scp' && typeof value === 'string') return fromString(value);
  return null;
}

/** How a refusal names a scope reader (a function source) that found a claim of the wrong type. */
export const SCOPE_READER = '(scope reader)';

/** The scopes, or the claim whose JSON type was wrong (`reader` for a function source). */
export type ScopeReading =
  | { readonly scopes: ReadonlySet<string> }
  | { readonly invalid: string; readonly value: unknown };

/** `readScopes`, saying which claim was of the wrong type, for the audit event. */
export function readScopesDetailed(claims: JWTPayload, source: ScopeSource): ScopeReading {
  if (typeof source === 'function') {
    const scopes = source(claims);
    if (scopes === undefined) return { scopes: EMPTY };
    const set = Array.isArray(scopes) ? fromArray(scopes) : null;
    return set === null ? { invalid: SCOPE_READER, value: scopes } : { scopes: set };
  }
  for (const claim of source) {
    const value = claims[claim];
    if (value === undefined) continue;
    const set = readClaim(claim, value);
    return set === null ? { invalid: claim, value } : { scopes: set };
  }
  return { scopes: EMPTY };
}

/**
 * The token's scopes, or `null` when the first scope claim present has the wrong JSON type
 * (the token is then invalid, not merely scopeless). An absent claim means no scopes.
 */
export function readScopes(claims: JWTPayload, source: ScopeSource): ReadonlySet<string> | null {
  const reading = readScopesDetailed(claims, source);
  return 'scopes' in reading ? reading.scopes : null;
}

/** Start-up check of a scope source; throws a `ConfigurationError` naming `option`. */
export function validateScopeSource(option: string, source: unknown): ScopeSource {
  if (typeof source === 'function') return source as ScopeReader;
  if (
    !Array.isArray(source) ||
    source.length === 0 ||
    source.some((claim) => !(SCOPE_CLAIMS as readonly unknown[]).includes(claim))
  ) {
    throw new ConfigurationError(option, `must be a function or a non-empty list of: ${SCOPE_CLAIMS.join(', ')}`);
  }
  return Object.freeze([...source]) as readonly ScopeClaim[];
}
