/**
 * Revocation: an approval withdrawn before its token expires. A store holds a deny list that
 * every server instance consults on every request; the verified-token cache keeps only the
 * signature check, never the answer of this list (see `check.ts`).
 *
 * Times are NumericDate seconds, as `iat` is (RFC 7519 §2), so that `before` compares with it.
 */
import type { VerifiedToken } from '../verify/index.js';

/** What one request's token is checked against. */
export interface RevocationQuery {
  /** The issuer the token was verified against; records without an issuer match every issuer. */
  readonly issuer: string;
  /** The token's id (`jti`, or the issuer's `tokenIdClaim`). */
  readonly jti?: string | undefined;
  readonly sub?: string | undefined;
  readonly clientId?: string | undefined;
  /** The grant (or session) the token belongs to, from the gate's `grantIdClaim`. */
  readonly grantId?: string | undefined;
  /** When the token was issued; a token without `iat` is revoked by any `sub` or `clientId` record. */
  readonly iat?: number | undefined;
}

interface RevocationScope {
  /** Only tokens of this issuer; default: every issuer. */
  readonly issuer?: string;
  /**
   * Keep the record until then (NumericDate seconds). Default: now plus the store's `retention`.
   * Set it to at least the expiry of the longest-lived token it must refuse.
   */
  readonly until?: number;
}

/**
 * One revocation: a token by its id, every token of a user or of a client issued up to `before`
 * (NumericDate seconds, default now: `iat <= before` is revoked, so a token issued in the same
 * second is refused too), or every token of a grant.
 */
export type Revocation =
  | (RevocationScope & { readonly jti: string })
  | (RevocationScope & { readonly sub: string; readonly before?: number })
  | (RevocationScope & { readonly clientId: string; readonly before?: number })
  | (RevocationScope & { readonly grantId: string });

/** A revocation as stored and published: one kind, its value, and normalised times. */
export interface RevocationRecord {
  readonly kind: 'jti' | 'sub' | 'client' | 'grant';
  /** `undefined`: every issuer. */
  readonly issuer: string | undefined;
  readonly value: string;
  /** `iat <= before` is revoked; `Infinity` for `jti` and `grant`, which revoke whatever the `iat`. */
  readonly before: number;
  /** Seconds: the record may be forgotten from then on. */
  readonly until: number;
}

/**
 * A deny list shared by every instance that serves the resource: {@link MemoryRevocationStore}
 * for one process, `RedisRevocationStore` from `@actiongate/redis` for a fleet.
 */
export interface RevocationStore {
  /**
   * Whether the token is revoked. Rejects (or throws) when the store cannot answer: the gate
   * then refuses with 503 and `Retry-After`, never allows.
   */
  isRevoked(query: RevocationQuery): boolean | Promise<boolean>;
  /** Records a revocation; resolves once every instance's `isRevoked` will see it. */
  revoke(revocation: Revocation): Promise<void>;
  /**
   * Calls `onRevoked` for every revocation this store learns of (its own and, for a shared store,
   * every other instance's), e.g. to close sessions or caches of the app's own. Returns the
   * unsubscribe function.
   */
  subscribe?(onRevoked: (record: RevocationRecord) => void): () => void;
}

/**
 * The `isRevoked` gate option: an app's own answer (a database, an introspection call). `true`
 * refuses with 401; a throw, a rejection, a slow answer or anything but a boolean refuses with 503.
 */
export type RevocationHook = (token: VerifiedToken) => boolean | Promise<boolean>;
