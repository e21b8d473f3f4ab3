/**
 * RFC 9396 authorization details: what a token's `authorization_details` claim holds, and
 * whether it grants what a request needs. A claim that is malformed in any way (not an
 * array, an entry that is not an object, a member of the wrong type, too many entries)
 * grants nothing: it never throws and never allows.
 */

/** RFC 9396 §2: an authorization details entry, with the common data fields of §2.2. */
export interface AuthorizationDetail {
  readonly type: string;
  readonly locations?: readonly string[];
  readonly actions?: readonly string[];
  readonly datatypes?: readonly string[];
  readonly identifier?: string;
  readonly privileges?: readonly string[];
  readonly [field: string]: unknown;
}

/** Entries beyond this make the claim malformed: no honest grant needs thousands. */
export const MAX_AUTHORIZATION_DETAILS = 64;

const LIST_FIELDS = ['locations', 'actions', 'datatypes', 'privileges'] as const;

function isStringArray(value: unknown): value is readonly string[] {
  return Array.isArray(value) && value.every((member) => typeof member === 'string');
}

/** True when `value` is a well-formed RFC 9396 entry. */
export function isAuthorizationDetail(value: unknown): value is AuthorizationDetail {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false;
  const entry = value as Record<string, unknown>;
  if (typeof entry.type !== 'string' || entry.type.length === 0) return false;
  if (entry.identifier !== undefined && typeof entry.identifier !== 'string') return false;
  for (const field of LIST_FIELDS) if (entry[field] !== undefined && !isStringArray(entry[field])) return false;
  return true;
}

/** The claim's entries, or `null` when the claim is absent or malformed. */
export function readAuthorizationDetails(claim: unknown): readonly AuthorizationDetail[] | null {
  if (!Array.isArray(claim) || claim.length > MAX_AUTHORIZATION_DETAILS) return null;
  for (const entry of claim) if (!isAuthorizationDetail(entry)) return null;
  return claim as AuthorizationDetail[];
}

/**
 * RFC 9396 §2: a held entry grants a required one when the `type` is the same, the
 * `identifier` (if required) is equal, and each required list field is contained in the held one.
 */
export function grants(held: AuthorizationDetail, required: AuthorizationDetail): boolean {
  if (held.type !== required.type) return false;
  if (required.identifier !== undefined && held.identifier !== required.identifier) return false;
  for (const field of LIST_FIELDS) {
    const needed = required[field];
    if (needed === undefined) continue;
    const granted = held[field];
    if (granted === undefined || !needed.every((item) => granted.includes(item))) return false;
  }
  return true;
}
