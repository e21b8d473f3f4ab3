/** Turns a {@link Revocation} into the one record every store keeps, validating it on the way. */
import type { Revocation, RevocationQuery, RevocationRecord } from './types.js';

const KINDS = [
  ['jti', 'jti'],
  ['sub', 'sub'],
  ['clientId', 'client'],
  ['grantId', 'grant'],
] as const;

function nonEmpty(value: unknown): value is string {
  return typeof value === 'string' && value.length > 0 && value.length <= 4096;
}

/** The largest date (year 275760), in seconds: every store can express it. */
const MAX_NUMERIC_DATE = 8.64e12;

function numericDate(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > MAX_NUMERIC_DATE) {
    throw new TypeError(`revoke(): ${name} must be NumericDate seconds, up to ${MAX_NUMERIC_DATE}`);
  }
  return value;
}

/**
 * @param nowSeconds the store's clock, NumericDate.
 * @param retention seconds a record is kept by default.
 * @throws TypeError unless exactly one of `jti`, `sub`, `clientId`, `grantId` is a non-empty string.
 */
export function toRecord(revocation: Revocation, nowSeconds: number, retention: number): RevocationRecord {
  if (typeof revocation !== 'object' || revocation === null) {
    throw new TypeError('revoke() needs { jti } or { sub } or { clientId } or { grantId }');
  }
  const fields = revocation as unknown as Record<string, unknown>;
  const given = KINDS.filter(([field]) => fields[field] !== undefined);
  const [only] = given;
  if (given.length !== 1 || only === undefined) {
    throw new TypeError('revoke() needs exactly one of jti, sub, clientId and grantId');
  }
  const [field, kind] = only;
  const value = fields[field];
  if (!nonEmpty(value)) throw new TypeError(`revoke(): ${field} must be a non-empty string`);
  const issuer = revocation.issuer;
  if (issuer !== undefined && !nonEmpty(issuer)) throw new TypeError('revoke(): issuer must be a non-empty string');
  const scoped = kind === 'sub' || kind === 'client';
  const before = scoped ? numericDate('before', fields.before, Math.floor(nowSeconds)) : Number.POSITIVE_INFINITY;
  if (!scoped && fields.before !== undefined) {
    throw new TypeError(`revoke(): before applies to sub and clientId only, not to ${field}`);
  }
  const until = numericDate('until', revocation.until, nowSeconds + retention);
  return Object.freeze({ kind, issuer, value, before, until });
}

/** The (kind, value) pairs a query is looked up by. */
export function lookups(query: RevocationQuery): [RevocationRecord['kind'], string][] {
  const pairs: [RevocationRecord['kind'], string][] = [];
  if (nonEmpty(query.jti)) pairs.push(['jti', query.jti]);
  if (nonEmpty(query.sub)) pairs.push(['sub', query.sub]);
  if (nonEmpty(query.clientId)) pairs.push(['client', query.clientId]);
  if (nonEmpty(query.grantId)) pairs.push(['grant', query.grantId]);
  return pairs;
}

/**
 * Whether a record with this `before` revokes the token: `jti` and `grant` records always;
 * `sub` and `client` records when the token was issued up to `before`, or has no `iat` (fail
 * closed: its age cannot be told).
 */
export function revokes(before: number, iat: number | undefined): boolean {
  if (before === Number.POSITIVE_INFINITY) return true;
  return typeof iat !== 'number' || !Number.isFinite(iat) || iat <= before;
}
