/**
 * Where a token's scopes come from. Authorization servers disagree: RFC 9068 §2.2.3 and
 * RFC 8693 use `scope` (a space-delimited string), Azure AD and Okta `scp` (an array or a
 * string), Auth0 RBAC `permissions` (an array).
 */
import type { JWTPayload } from 'jose';

export type ScopeClaim = 'scope' | 'scp' | 'permissions';
/** Reads scopes from verified claims; return `undefined` when the token holds no scopes. */
export type ScopeReader = (claims: JWTPayload) => readonly string[] | undefined;
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
  if (Array.isArray(value)) return fromArray(value);
  if (claim === 'scp' && typeof value === 'string') return fromString(value);
  return null;
}

/**
 * The token's scopes, or `null` when the first scope claim present has the wrong JSON type
 * (the token is then invalid, not merely scopeless). An absent claim means no scopes.
 */
export function readScopes(claims: JWTPayload, source: ScopeSource): ReadonlySet<string> | null {
  if (typeof source === 'function') {
    const scopes = source(claims);
    if (scopes === undefined) return EMPTY;
    return Array.isArray(scopes) ? fromArray(scopes) : null;
  }
  for (const claim of source) {
    const value = claims[claim];
    if (value !== undefined) return readClaim(claim, value);
  }
  return EMPTY;
}
