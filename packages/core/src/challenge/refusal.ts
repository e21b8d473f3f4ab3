/**
 * A refusal is data: a status, a stable code, the headers and the JSON body to send.
 * Every refusal is rendered once, when the gate is created, and shared (frozen) by all
 * requests that get it: the same refusal yields the same header, byte for byte.
 */
import { REFUSALS, type BearerErrorCode, type RefusalCode } from './codes.js';
import { renderBearerChallenge } from './render.js';

export interface RefusalBody {
  /** The challenge's error code; absent when the challenge has none. */
  readonly error?: BearerErrorCode;
  readonly error_description: string;
}

export interface Refusal {
  readonly allow: false;
  readonly status: 400 | 401 | 403 | 500 | 503;
  readonly code: RefusalCode;
  /** Header names in lowercase: `www-authenticate`, `retry-after`. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: RefusalBody;
}

export interface ChallengeOptions {
  readonly realm: string | undefined;
  readonly resourceMetadata: string | undefined;
  /** Whether an `insufficient_scope` challenge names the scope (RFC 6750 §3: OPTIONAL). */
  readonly includeScope: boolean;
  /** Whether challenges repeat the body's `error_description` (RFC 6750 §3: OPTIONAL). */
  readonly includeDescription: boolean;
  /** Seconds, for 503 refusals. */
  readonly retryAfter: number;
}

/** What one action needs, as a challenge states it. */
export interface ChallengeRequirement {
  readonly scope: readonly string[];
  readonly description: string;
}

export function buildRefusal(
  code: RefusalCode,
  options: ChallengeOptions,
  requirement?: ChallengeRequirement,
): Refusal {
  const { status, error, description: fixed } = REFUSALS[code];
  const description = requirement?.description ?? fixed;
  const headers: Record<string, string> = {};
  if (status === 503) {
    // RFC 9110 §10.2.3: when to try again, in seconds.
    headers['retry-after'] = String(options.retryAfter);
  } else if (status !== 500) {
    // RFC 6750 §3: every 400, 401 and 403 of a protected resource carries a Bearer challenge.
    headers['www-authenticate'] = renderBearerChallenge({
      realm: options.realm,
      error,
      scope: options.includeScope ? requirement?.scope : undefined,
      resourceMetadata: options.resourceMetadata,
      // RFC 6750 §3.1: a request without credentials gets no error information.
      errorDescription: error !== undefined && options.includeDescription ? description : undefined,
    });
  }
  const body: RefusalBody =
    error === undefined ? { error_description: description } : { error, error_description: description };
  return Object.freeze({
    allow: false as const,
    status,
    code,
    headers: Object.freeze(headers),
    body: Object.freeze(body),
  });
}

/** Renders every refusal that does not depend on the action, once. */
export function buildCommonRefusals(options: ChallengeOptions): Readonly<Record<RefusalCode, Refusal>> {
  const table = {} as Record<RefusalCode, Refusal>;
  for (const code of Object.keys(REFUSALS) as RefusalCode[]) table[code] = buildRefusal(code, options);
  return Object.freeze(table);
}
