/**
 * The client's DPoP key (RFC 9449 §2): one key per step-up fetch, kept for its lifetime. Proofs
 * are made by oauth4webapi's `DPoP` handle, never here. A key the fetch generates itself has a
 * non-extractable private half (WebCrypto `extractable: false`), so that script or a heap dump
 * that can read the fetch's memory still cannot copy the key out.
 */
import * as oauth from 'oauth4webapi';
import { ConfigurationError } from '../step-up/errors.js';

/**
 * `true`: the fetch generates an ES256 key pair whose private key cannot be exported.
 * `{ keyPair }`: use this pair (e.g. one kept across restarts, or shared with the code that
 * obtains the baseline token); its public key must be extractable, as the proof carries it.
 */
export type DpopOption = true | { readonly keyPair: oauth.CryptoKeyPair };

/** The fetch's DPoP key: a handle that signs proofs and keeps the server nonces, per origin. */
export interface DpopKey {
  handle(): Promise<oauth.DPoPHandle>;
}

// oauth4webapi reads only the clock skew from the client; the proofs name no client.
const NO_CLIENT = {};

// RFC 9449 §4.2: an asymmetric signature algorithm (the WebCrypto names oauth4webapi signs with).
const SIGNING_ALGORITHMS = new Set(['ECDSA', 'Ed25519', 'RSA-PSS', 'RSASSA-PKCS1-v1_5']);

// Read off globalThis so that the types need neither the DOM library nor Node's globals.
const CryptoKeyClass = (globalThis as { CryptoKey?: abstract new (...args: never[]) => oauth.CryptoKey }).CryptoKey;

function isCryptoKey(value: unknown, type: 'private' | 'public'): value is oauth.CryptoKey {
  return CryptoKeyClass !== undefined && value instanceof CryptoKeyClass && value.type === type;
}

/** Checks the `dpop` option at creation; `undefined` when DPoP is not used. */
export function parseDpopOption(value: unknown): DpopKey | undefined {
  if (value === undefined || value === false) return undefined;
  if (value === true) {
    let pending: Promise<oauth.DPoPHandle> | undefined;
    return {
      handle() {
        pending ??= oauth.generateKeyPair('ES256', { extractable: false }).then((pair) => oauth.DPoP(NO_CLIENT, pair));
        return pending;
      },
    };
  }
  const keyPair = (value as { keyPair?: unknown } | null)?.keyPair as Partial<oauth.CryptoKeyPair> | undefined;
  if (typeof value !== 'object' || value === null || typeof keyPair !== 'object' || keyPair === null) {
    throw new ConfigurationError('dpop', 'must be true (generate a key) or { keyPair } (a WebCrypto CryptoKeyPair)');
  }
  if (!isCryptoKey(keyPair.privateKey, 'private') || !isCryptoKey(keyPair.publicKey, 'public')) {
    throw new ConfigurationError(
      'dpop.keyPair',
      'must be a CryptoKeyPair, e.g. from oauth4webapi generateKeyPair("ES256") or crypto.subtle.generateKey',
    );
  }
  const algorithm = keyPair.privateKey.algorithm.name;
  if (!SIGNING_ALGORITHMS.has(algorithm) || !keyPair.privateKey.usages.includes('sign')) {
    throw new ConfigurationError(
      'dpop.keyPair',
      `holds a ${algorithm} key that cannot sign; use an ES256 (ECDSA P-256), Ed25519 or RSA signing pair`,
    );
  }
  let handle: oauth.DPoPHandle;
  try {
    handle = oauth.DPoP(NO_CLIENT, keyPair as oauth.CryptoKeyPair);
  } catch (cause) {
    throw new ConfigurationError(
      'dpop.keyPair',
      `cannot sign DPoP proofs (${cause instanceof Error ? cause.message : 'unsupported key'}); use an ES256, EdDSA, PS256 or RS256 pair with an extractable public key`,
    );
  }
  return { handle: () => Promise.resolve(handle) };
}
