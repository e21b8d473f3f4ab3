/**
 * What the client may ask the authorization server for. A challenge is written by the resource
 * server, so it is a request, not an instruction: a server that answers 403 asking for
 * `invoices:admin offline_access` or for `authorization_details` of its own choosing must not
 * obtain them through this client. Everything not listed is refused before any request
 * reaches the authorization server; the scopes the client already holds are always allowed.
 */
import { StepUpError } from './errors.js';
import { resourceCovers } from './resource.js';
import type { StepUpRequest } from './types.js';

/**
 * What a step-up may ask for beyond the held scopes. Scopes, detail types and `acr` values are
 * denied unless listed, so that a compromised or lying resource cannot make the client request
 * broad privileges.
 */
export interface StepUpPolicy {
  /** Scopes a step-up may add to those held. Default: none. */
  readonly scopes?: readonly string[];
  /** RFC 9396 `type` values a step-up may request. Default: none. */
  readonly authorizationDetailsTypes?: readonly string[];
  /** Further checks on each entry of an allowed type (its `actions`, `identifier`, amounts…). */
  readonly authorizationDetails?: (entry: Readonly<Record<string, unknown>>, request: StepUpRequest) => boolean;
  /** RFC 9470 `acr_values` a step-up may request. Default: none. */
  readonly acrValues?: readonly string[];
  /** The smallest `max_age` (seconds) honoured, so a server cannot force a fresh login on every call. Default: any. */
  readonly minMaxAge?: number;
}

/** Throws the `StepUpError` naming the first thing `request` asks for that `policy` does not allow. */
export function enforcePolicy(
  request: StepUpRequest,
  policy: StepUpPolicy,
  held: readonly string[],
  resource: URL,
): void {
  const scopes = new Set([...held, ...(policy.scopes ?? [])]);
  const foreignScopes = request.scope.filter((scope) => !scopes.has(scope));
  if (foreignScopes.length > 0) {
    throw new StepUpError('scope_not_allowed', `the policy does not allow asking for ${foreignScopes.join(' ')}`);
  }
  const acr = new Set(policy.acrValues ?? []);
  const foreignAcr = (request.acrValues ?? []).filter((value) => !acr.has(value));
  if (foreignAcr.length > 0) {
    throw new StepUpError('acr_not_allowed', `the policy does not allow asking for acr ${foreignAcr.join(' ')}`);
  }
  if (request.maxAge !== undefined && policy.minMaxAge !== undefined && request.maxAge < policy.minMaxAge) {
    throw new StepUpError('max_age_not_allowed', `max_age ${request.maxAge} is below the policy's ${policy.minMaxAge}`);
  }
  const types = new Set(policy.authorizationDetailsTypes ?? []);
  for (const entry of request.authorizationDetails ?? []) {
    const type = entry.type;
    if (typeof type !== 'string' || !types.has(type)) {
      throw new StepUpError(
        'details_not_allowed',
        `the policy does not allow authorization_details of type ${String(type)}`,
      );
    }
    // RFC 9396 §2.2: `locations` names where the token will be used; only the resource called.
    const locations = entry.locations;
    if (locations !== undefined && !locationsWithin(locations, resource)) {
      throw new StepUpError(
        'details_not_allowed',
        'authorization_details names locations other than the resource called',
      );
    }
    if (policy.authorizationDetails !== undefined && policy.authorizationDetails(entry, request) !== true) {
      throw new StepUpError('details_not_allowed', `the policy refused an authorization_details entry of type ${type}`);
    }
  }
}

function locationsWithin(locations: unknown, resource: URL): boolean {
  if (!Array.isArray(locations)) return false;
  return locations.every((location) => {
    if (typeof location !== 'string' || !URL.canParse(location)) return false;
    return resourceCovers(resource, new URL(location));
  });
}
