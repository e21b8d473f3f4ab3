/**
 * RFC 9396 authorization details for CIBA, on oidc-provider 8.
 *
 * oidc-provider 8's own `richAuthorizationRequests` covers the authorization code and refresh
 * token grants only: it refuses `authorization_details` at the backchannel authentication
 * endpoint whenever the parameter is one it recognises (the feature on, or an `extraParams`
 * entry), and never puts details in a CIBA access token. So the feature stays off, the parameter
 * stays one oidc-provider does not recognise (it leaves it in the parsed body, `ctx.oidc.body`),
 * and the demo does the rest through documented hooks: this check in the CIBA request hooks,
 * the approved details kept on the Grant, the claim added by the JWT access token customizer.
 * Which types a client may request is the server's own table: with the feature off,
 * oidc-provider 8 accepts no value in the `authorization_details_types` client metadata.
 */
import { errors, type KoaContextWithOIDC } from 'oidc-provider';

export type AuthorizationDetail = { readonly type: string } & Readonly<Record<string, unknown>>;

/** Type identifier → a check that throws `InvalidAuthorizationDetails` for a detail it refuses. */
export type AuthorizationDetailsTypes = Readonly<Record<string, (detail: AuthorizationDetail) => void>>;

/**
 * RFC 9396 §5 `invalid_authorization_details`: oidc-provider 8 exports this error class
 * (lib/helpers/errors.js) though @types/oidc-provider 8 does not declare it.
 */
export const InvalidAuthorizationDetails = (
  errors as typeof errors & { InvalidAuthorizationDetails: typeof errors.InvalidRequest }
).InvalidAuthorizationDetails;

const COMMON_ARRAYS = ['locations', 'actions', 'datatypes', 'privileges'] as const;

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

const isNonEmptyString = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

/** The raw `authorization_details` parameter of this request, as sent (never interpreted by oidc-provider 8). */
export function rawAuthorizationDetails(ctx: KoaContextWithOIDC): unknown {
  return (ctx.oidc.body as Record<string, unknown> | undefined)?.authorization_details;
}

/**
 * The details a CIBA request asks for, checked (RFC 9396 §2, §5), or `undefined` when it asks
 * for none. Throws the OAuth error a bad request deserves; the client must be authenticated.
 */
export function requestedAuthorizationDetails(
  ctx: KoaContextWithOIDC,
  types: AuthorizationDetailsTypes,
  allowedForClient: readonly string[],
): AuthorizationDetail[] | undefined {
  const value = rawAuthorizationDetails(ctx);
  if (value === undefined) return undefined;
  // RFC 6749 §3.1: a parameter sent twice is refused (the body parser makes it an array).
  if (typeof value !== 'string')
    throw new errors.InvalidRequest("'authorization_details' parameter must not be provided twice");
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    throw new errors.InvalidRequest('could not parse the authorization_details parameter JSON');
  }
  // RFC 9396 §2: a JSON array of JSON objects.
  if (!Array.isArray(parsed)) throw new errors.InvalidRequest('authorization_details parameter should be a JSON array');
  if (parsed.length === 0) return undefined;
  return parsed.map((detail: unknown, index) => {
    if (!isPlainObject(detail)) {
      throw new errors.InvalidRequest('authorization_details parameter members should be a JSON object');
    }
    // RFC 9396 §2: `type` is required and must be one the server knows (§5: invalid_authorization_details).
    const { type } = detail;
    if (!isNonEmptyString(type)) {
      throw new InvalidAuthorizationDetails(`type must be a non-empty string (authorization details index ${index})`);
    }
    const validate = Object.hasOwn(types, type) ? types[type] : undefined;
    if (validate === undefined) {
      throw new InvalidAuthorizationDetails(
        `unsupported authorization details type (authorization details index ${index})`,
      );
    }
    if (!allowedForClient.includes(type)) {
      throw new InvalidAuthorizationDetails(`authorization details type '${type}' is not allowed for this client`);
    }
    // RFC 9396 §2.2: the common data fields.
    for (const field of COMMON_ARRAYS) {
      const member = detail[field];
      if (member !== undefined && (!Array.isArray(member) || !member.every(isNonEmptyString))) {
        throw new InvalidAuthorizationDetails(
          `'${field}' must be an array of non-empty strings (authorization details index ${index})`,
        );
      }
    }
    if ('identifier' in detail && !isNonEmptyString(detail.identifier)) {
      throw new InvalidAuthorizationDetails(
        `'identifier' must be a non-empty string (authorization details index ${index})`,
      );
    }
    const checked = detail as AuthorizationDetail;
    validate(checked);
    return checked;
  });
}

/**
 * The details a user approved, kept on the Grant: oidc-provider persists a Grant's `rar` member
 * (lib/models/grant.js) though @types/oidc-provider 8 does not declare it.
 */
interface WithDetails {
  rar?: Readonly<Record<string, unknown>>[];
}

export function grantDetails(grant: object, details: readonly Readonly<Record<string, unknown>>[]): void {
  (grant as WithDetails).rar = [...details];
}

export function detailsOf(grant: object | undefined): Readonly<Record<string, unknown>>[] | undefined {
  const details = (grant as WithDetails | undefined)?.rar;
  return Array.isArray(details) && details.length > 0 ? details : undefined;
}
