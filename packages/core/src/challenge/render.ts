/**
 * Bearer challenge rendering (RFC 6750 §3, RFC 9110 §11.6.1).
 *
 * The output is chosen so that every known client parses it: the scheme first, parameters
 * separated by ", ", lowercase names, every value a quoted-string, a fixed parameter order,
 * and values restricted to the characters RFC 6750 §3 allows, so no escaping is ever needed.
 */

export interface ChallengeParams {
  readonly realm?: string | undefined;
  readonly error?: string | undefined;
  /** Rendered space-delimited (RFC 6749 §3.3); an empty list is left out, never `scope=""`. */
  readonly scope?: readonly string[] | undefined;
  /** RFC 9470 §3: space-separated `acr` values. */
  readonly acrValues?: readonly string[] | undefined;
  /** RFC 9470 §3: seconds. */
  readonly maxAge?: number | undefined;
  /** RFC 9449 §7.1: the JWS algorithms accepted for DPoP proofs, space-separated (DPoP only). */
  readonly algs?: readonly string[] | undefined;
  /** RFC 9728 §5.1: the protected-resource metadata URL. */
  readonly resourceMetadata?: string | undefined;
  readonly errorDescription?: string | undefined;
}

// RFC 6750 §3: %x20-21 / %x23-5B / %x5D-7E (printable ASCII without `"` and `\`).
const CHALLENGE_VALUE = /^[\x20\x21\x23-\x5B\x5D-\x7E]*$/;

/** True when `value` may stand inside a challenge's quoted-string without escaping. */
export function isChallengeValue(value: string): boolean {
  return CHALLENGE_VALUE.test(value);
}

function param(name: string, value: string): string {
  if (!isChallengeValue(value)) {
    // Unreachable from requests: every value is configuration or a constant, validated at start-up.
    throw new TypeError(`challenge parameter "${name}" has a character RFC 6750 §3 does not allow`);
  }
  return `${name}="${value}"`;
}

/** The authentication schemes a challenge can name. */
export type ChallengeScheme = 'Bearer' | 'DPoP';

/** Renders one `Bearer` challenge. */
export function renderBearerChallenge(params: ChallengeParams): string {
  return renderChallenge('Bearer', params);
}

/**
 * Renders one challenge of `scheme`. Order: `realm`, `error`, `scope`, `acr_values`, `max_age`,
 * `algs` (RFC 9449 §7.1), `resource_metadata`, `error_description`.
 */
export function renderChallenge(scheme: ChallengeScheme, params: ChallengeParams): string {
  const parts: string[] = [];
  if (params.realm !== undefined) parts.push(param('realm', params.realm));
  if (params.error !== undefined) parts.push(param('error', params.error));
  if (params.scope !== undefined && params.scope.length > 0) parts.push(param('scope', params.scope.join(' ')));
  if (params.acrValues !== undefined && params.acrValues.length > 0) {
    parts.push(param('acr_values', params.acrValues.join(' ')));
  }
  if (params.maxAge !== undefined) parts.push(param('max_age', String(params.maxAge)));
  if (params.algs !== undefined && params.algs.length > 0) parts.push(param('algs', params.algs.join(' ')));
  if (params.resourceMetadata !== undefined) parts.push(param('resource_metadata', params.resourceMetadata));
  if (params.errorDescription !== undefined) parts.push(param('error_description', params.errorDescription));
  return parts.length === 0 ? scheme : `${scheme} ${parts.join(', ')}`;
}
