/**
 * A refusal is data: a status, a stable code, the headers and the JSON body to send.
 * Every refusal is rendered once, when the gate is created, and shared (frozen) by all
 * requests that get it: the same refusal yields the same header, byte for byte.
 */

import type { AuthorizationDetail } from '../checks/authorization-details.js';
import { type BearerErrorCode, REFUSALS, type RefusalCode } from './codes.js';
import { type ChallengeParams, renderChallenge } from './render.js';

/**
 * The JSON body of a refusal. `error_description` is a fixed text per code, so it never echoes
 * anything the request carried.
 */
export interface RefusalBody {
  /** The challenge's error code; absent when the challenge has none. */
  readonly error?: BearerErrorCode;
  readonly error_description: string;
  /** RFC 9396: the entries to ask for, when a bound grant is missing. */
  readonly authorization_details?: readonly AuthorizationDetail[];
}

/**
 * A refused request: the status, the `WWW-Authenticate` (RFC 6750 §3) or `Retry-After` (503)
 * headers and the body, ready to send. Frozen and shared between requests; do not modify it.
 */
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
  /**
   * The authentication schemes offered (RFC 9110 §11.6.1: one challenge each): `bearer`
   * (default), `both` (`Bearer` then `DPoP`, RFC 9449 §7.1) or `dpop` only.
   */
  readonly schemes?: ChallengeSchemes | undefined;
  /** RFC 9449 §7.1 `algs` of every `DPoP` challenge. Required when `schemes` offers DPoP. */
  readonly dpopAlgs?: readonly string[] | undefined;
  /**
   * The scheme the request used: its challenge alone carries `error` and the error's parameters.
   * Default `bearer`; a refusal of a DPoP-only action always names DPoP.
   */
  readonly used?: 'bearer' | 'dpop' | undefined;
}

/** Which authentication schemes the challenges offer. */
export type ChallengeSchemes = 'bearer' | 'both' | 'dpop';

/** What one action needs, as a challenge states it. */
export interface ChallengeRequirement {
  readonly scope?: readonly string[] | undefined;
  readonly description?: string | undefined;
  /** RFC 9470 §3. */
  readonly acrValues?: readonly string[] | undefined;
  readonly maxAge?: number | undefined;
  /**
   * Where the gate offers both schemes: the one the request used, whose challenge alone carries
   * `error` (RFC 9449 §7.1). Default: the rendering's own (`bearer`).
   */
  readonly used?: 'bearer' | 'dpop' | undefined;
  /** The action accepts DPoP-bound tokens only (`requireDpop`): only the `DPoP` challenge is offered. */
  readonly dpopOnly?: boolean | undefined;
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
    // RFC 6750 §3: every 400, 401 and 403 of a protected resource carries a challenge, one per
    // scheme offered (RFC 9449 §7.1), in one field separated by ", " (RFC 9110 §11.6.1).
    const offered = options.schemes ?? 'bearer';
    const schemes = offered === 'both' && requirement?.dpopOnly === true ? 'dpop' : offered;
    const used =
      schemes === 'dpop' ? 'dpop' : schemes === 'bearer' ? 'bearer' : (requirement?.used ?? options.used ?? 'bearer');
    const withError: ChallengeParams = {
      realm: options.realm,
      error,
      scope: options.includeScope ? requirement?.scope : undefined,
      acrValues: requirement?.acrValues,
      maxAge: requirement?.maxAge,
      resourceMetadata: options.resourceMetadata,
      // RFC 6750 §3.1: a request without credentials gets no error information.
      errorDescription: error !== undefined && options.includeDescription ? description : undefined,
    };
    // The other scheme's challenge only says where and how to authenticate.
    const plain: ChallengeParams = { realm: options.realm, resourceMetadata: options.resourceMetadata };
    const challenges: string[] = [];
    if (schemes !== 'dpop') challenges.push(renderChallenge('Bearer', used === 'bearer' ? withError : plain));
    if (schemes !== 'bearer') {
      const algs = options.dpopAlgs;
      challenges.push(renderChallenge('DPoP', { ...(used === 'dpop' ? withError : plain), algs }));
    }
    headers['www-authenticate'] = challenges.join(', ');
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

/** The same refusal with the RFC 9396 entries a client must ask for added to its body. */
export function withAuthorizationDetails(refusal: Refusal, details: readonly AuthorizationDetail[]): Refusal {
  return { ...refusal, body: { ...refusal.body, authorization_details: details } };
}
