/**
 * Reads a refusal: is it a step-up the client can answer, and what does it ask for?
 * Only a challenge of the scheme the request used (Bearer, or DPoP: RFC 9449 §7.1) with `insufficient_scope` (RFC 6750 §3.1, 403) or
 * `insufficient_user_authentication` (RFC 9470 §3, 401) qualifies; `invalid_token` and plain
 * 401s are not step-ups.
 */
import { findChallenge } from '../challenges/index.js';
import { readCapped } from './read-capped.js';
import type { StepUpRequest, TokenType } from './types.js';

/** A refusal's step-up, before the client has verified which resource it is for. */
export type UnverifiedStepUpRequest = Omit<StepUpRequest, 'resource'>;

const MAX_BODY_BYTES = 65_536;

async function authorizationDetailsOf(
  response: Response,
  timeout: number,
): Promise<Record<string, unknown>[] | undefined> {
  if (!(response.headers.get('content-type') ?? '').includes('json')) return undefined;
  try {
    const text = await readCapped(response.clone(), MAX_BODY_BYTES, AbortSignal.timeout(timeout));
    const body = JSON.parse(text) as { authorization_details?: unknown };
    const details = body?.authorization_details;
    return Array.isArray(details) && details.every((entry) => typeof entry === 'object' && entry !== null)
      ? (details as Record<string, unknown>[])
      : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The step-up a refusal asks for, or `undefined` when it is not one (only 403 `insufficient_scope`
 * and 401 `insufficient_user_authentication` are). The scope asked for is the union of the held
 * scopes and the challenge's, as a new token replaces the old.
 */
export async function readStepUpRequest(
  response: Response,
  request: Request,
  heldScopes: readonly string[],
  /** Milliseconds to wait for the body (for `authorization_details`); after that it is ignored. */
  timeout: number,
  /** The scheme the request used: the resource puts `error` in that challenge only. Default Bearer. */
  scheme: TokenType = 'Bearer',
): Promise<UnverifiedStepUpRequest | undefined> {
  if (response.status !== 401 && response.status !== 403) return undefined;
  const challenge = findChallenge(response.headers, scheme);
  const reason = challenge?.error;
  if (challenge === undefined) return undefined;
  if (
    !(reason === 'insufficient_scope' && response.status === 403) &&
    !(reason === 'insufficient_user_authentication' && response.status === 401)
  ) {
    return undefined;
  }
  const details = await authorizationDetailsOf(response, timeout);
  return {
    reason,
    scope: [...new Set([...heldScopes, ...(challenge.scope ?? [])])],
    ...(challenge.acrValues === undefined ? {} : { acrValues: challenge.acrValues }),
    ...(challenge.maxAge === undefined ? {} : { maxAge: challenge.maxAge }),
    ...(details === undefined ? {} : { authorizationDetails: details }),
    ...(challenge.resourceMetadata === undefined ? {} : { resourceMetadata: challenge.resourceMetadata }),
    method: request.method,
    url: request.url,
  };
}

/** Requests that need the same elevation of the same resource share one key (and so one approval). */
export function elevationKey(request: StepUpRequest): string {
  return JSON.stringify([
    request.resource,
    [...request.scope].sort(),
    request.acrValues ?? [],
    request.maxAge ?? null,
    request.authorizationDetails ?? [],
  ]);
}
