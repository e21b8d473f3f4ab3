/**
 * DPoP options (RFC 9449), checked once at start-up: a mistake throws a `ConfigurationError`
 * naming the option and the fix.
 */
import { ConfigurationError } from '../errors.js';
import { ASYMMETRIC_ALGORITHMS } from '../verify/options.js';

/** Server-provided nonces (RFC 9449 §8, §9). */
export interface DpopNonceOptions {
  /**
   * Seconds each nonce is current. A proof may carry the current nonce or the one before it, so a
   * nonce is accepted for between one and two periods. Default 300.
   */
  readonly rotate?: number;
  /**
   * A secret the nonces are derived from (at least 32 characters). Give every instance of a fleet
   * the same secret so that a nonce one instance sent is accepted by the others. Default: a random
   * secret per process (nonces then hold for one process only).
   */
  readonly secret?: string;
}

/** The `dpop` option of `createGate()`. */
export interface DpopOptions {
  /**
   * `true` (default): `Authorization: DPoP` is accepted beside `Bearer`, and challenges offer both.
   * `'only'`: every action requires a DPoP-bound token. `false`: DPoP is off (the default without
   * a `dpop` option).
   */
  readonly accept?: boolean | 'only';
  /**
   * JWS algorithms accepted for proofs (asymmetric only, RFC 9449 §4.3 step 5), as the `DPoP`
   * challenge's `algs` names them. Default `['ES256', 'EdDSA', 'PS256', 'RS256']`.
   */
  readonly algs?: readonly string[];
  /** Server nonces: `true` for the defaults, or {@link DpopNonceOptions}. Default off. */
  readonly nonce?: boolean | DpopNonceOptions;
  /**
   * The origin clients address (`https://api.example.com`), against which `htu` is matched
   * (§4.3 step 9). Default: the origin of `resource`. Set it when a proxy serves this API at an
   * origin other than `resource`'s; the request's path comes from the request.
   */
  readonly origin?: string;
  /** Seconds a proof's `iat` may lie in the past (default 300) and in the future (default 60). */
  readonly iatWindow?: { readonly past?: number; readonly future?: number };
  /** Longest proof accepted, in bytes, checked before parsing. Default 8192. */
  readonly maxProofBytes?: number;
}

export interface NormalizedDpop {
  /** `both`: Bearer and DPoP; `only`: DPoP only. */
  readonly accept: 'both' | 'only';
  readonly algs: readonly string[];
  readonly nonce: { readonly rotate: number; readonly secret: string | undefined } | undefined;
  /** Serialised origin, no trailing slash. */
  readonly origin: string;
  readonly past: number;
  readonly future: number;
  readonly maxProofBytes: number;
}

/** The proof algorithms accepted by default (asymmetric only, RFC 9449 §4.3), also the `DPoP` challenge's `algs`. */
export const DEFAULT_DPOP_ALGS: readonly string[] = Object.freeze(['ES256', 'EdDSA', 'PS256', 'RS256']);

// RFC 9449 §4.3 step 5: asymmetric digital signature algorithms only.
const ASYMMETRIC = ASYMMETRIC_ALGORITHMS;

const KNOWN = new Set(['accept', 'algs', 'nonce', 'origin', 'iatWindow', 'maxProofBytes']);

function seconds(option: string, value: unknown, fallback: number, min: number): number {
  if (value === undefined) return fallback;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new ConfigurationError(option, `must be a whole number of seconds, ${min} or more`);
  }
  return value;
}

function originOf(option: string, value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(option, 'must be an absolute http(s) URL such as https://api.example.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(option, 'must be an http(s) URL such as https://api.example.com');
  }
  return url.origin;
}

function nonceOptions(value: unknown): NormalizedDpop['nonce'] {
  if (value === undefined || value === false) return undefined;
  if (value === true) return { rotate: 300, secret: undefined };
  if (typeof value !== 'object' || value === null) {
    throw new ConfigurationError('dpop.nonce', 'must be true, false or { rotate?: seconds, secret?: string }');
  }
  const { rotate, secret } = value as DpopNonceOptions;
  for (const key of Object.keys(value)) {
    if (key !== 'rotate' && key !== 'secret')
      throw new ConfigurationError(`dpop.nonce.${key}`, 'is not known (known: rotate, secret)');
  }
  if (secret !== undefined && (typeof secret !== 'string' || secret.length < 32)) {
    throw new ConfigurationError('dpop.nonce.secret', 'must be a string of at least 32 random characters');
  }
  return { rotate: seconds('dpop.nonce.rotate', rotate, 300, 1), secret };
}

/** `undefined`: DPoP is off. */
export function normalizeDpop(value: unknown, resource: string): NormalizedDpop | undefined {
  if (value === undefined || value === false) return undefined;
  if (value !== true && (typeof value !== 'object' || value === null)) {
    throw new ConfigurationError('dpop', 'must be true, false or { accept, algs, nonce, origin, iatWindow }');
  }
  const options: DpopOptions = value === true ? {} : (value as DpopOptions);
  for (const key of Object.keys(options)) {
    if (!KNOWN.has(key))
      throw new ConfigurationError(`dpop.${key}`, `is not a known option (known: ${[...KNOWN].join(', ')})`);
  }
  const accept = options.accept ?? true;
  if (accept !== true && accept !== false && accept !== 'only') {
    throw new ConfigurationError('dpop.accept', "must be true, false or 'only'");
  }
  if (accept === false) return undefined;
  const algs = options.algs ?? DEFAULT_DPOP_ALGS;
  if (!Array.isArray(algs) || algs.length === 0) {
    throw new ConfigurationError('dpop.algs', "must list at least one algorithm, e.g. ['ES256']");
  }
  for (const [i, alg] of algs.entries()) {
    if (!ASYMMETRIC.has(alg)) {
      throw new ConfigurationError(
        `dpop.algs[${i}]`,
        `must be an asymmetric JWS algorithm (RFC 9449 §4.3): one of ${[...ASYMMETRIC].join(', ')}`,
      );
    }
  }
  const origin = options.origin === undefined ? new URL(resource).origin : originOf('dpop.origin', options.origin);
  if (options.iatWindow !== undefined && (typeof options.iatWindow !== 'object' || options.iatWindow === null)) {
    throw new ConfigurationError('dpop.iatWindow', 'must be { past?: seconds, future?: seconds }');
  }
  return Object.freeze({
    accept: accept === 'only' ? 'only' : 'both',
    algs: Object.freeze([...new Set(algs as string[])]),
    nonce: nonceOptions(options.nonce),
    origin,
    past: seconds('dpop.iatWindow.past', options.iatWindow?.past, 300, 1),
    future: seconds('dpop.iatWindow.future', options.iatWindow?.future, 60, 0),
    maxProofBytes: seconds('dpop.maxProofBytes', options.maxProofBytes, 8192, 256),
  });
}
