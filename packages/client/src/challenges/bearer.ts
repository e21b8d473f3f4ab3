/**
 * Reading a Bearer challenge (RFC 6750 §3) with the step-up parameters of RFC 9470 §3 and the
 * metadata pointer of RFC 9728 §5.1.
 */
import { type Challenge, type ChallengeSource, parseChallenges } from './parse.js';

/**
 * A Bearer challenge of a `WWW-Authenticate` field, with the parameters RFC 6750, RFC 9470 and
 * RFC 9728 define read into typed members. The values are the server's, unverified: treat them
 * as requests, not facts.
 */
export interface BearerChallenge {
  readonly realm?: string;
  readonly error?: string;
  readonly errorDescription?: string;
  /** RFC 6750 §3: the scope the resource requires, split on spaces. */
  readonly scope?: readonly string[];
  /** RFC 9470 §3. */
  readonly acrValues?: readonly string[];
  /** RFC 9470 §3: seconds; absent when missing or not a non-negative integer. */
  readonly maxAge?: number;
  /** RFC 9728 §5.1. */
  readonly resourceMetadata?: string;
  /** Every parameter as sent, by lowercase name, including those not read above. */
  readonly params: Readonly<Record<string, string>>;
}

const split = (value: string | undefined) =>
  value === undefined ? undefined : value.split(' ').filter((item) => item.length > 0);

/** Reads the typed members of a parsed challenge. A malformed `max_age` is left out rather than guessed. */
export function toBearerChallenge(challenge: Challenge): BearerChallenge {
  const { params } = challenge;
  const maxAge = params.max_age !== undefined && /^\d+$/.test(params.max_age) ? Number(params.max_age) : undefined;
  const optional = {
    realm: params.realm,
    error: params.error,
    errorDescription: params.error_description,
    scope: split(params.scope),
    acrValues: split(params.acr_values),
    maxAge,
    resourceMetadata: params.resource_metadata,
  };
  const result: Record<string, unknown> = { params };
  for (const [key, value] of Object.entries(optional)) if (value !== undefined) result[key] = value;
  return result as unknown as BearerChallenge;
}

/** The first Bearer challenge of a response's `WWW-Authenticate` fields, if any. */
export function findBearerChallenge(source: ChallengeSource): BearerChallenge | undefined {
  const challenge = parseChallenges(source).find((candidate) => candidate.schemeLower === 'bearer');
  return challenge === undefined ? undefined : toBearerChallenge(challenge);
}

/**
 * The first challenge of `scheme` (compared case-insensitively), e.g. `DPoP` (RFC 9449 §7.1), with
 * the same typed members as a Bearer one.
 */
export function findChallenge(source: ChallengeSource, scheme: string): BearerChallenge | undefined {
  const lower = scheme.toLowerCase();
  const challenge = parseChallenges(source).find((candidate) => candidate.schemeLower === lower);
  return challenge === undefined ? undefined : toBearerChallenge(challenge);
}
