/**
 * Node's crypto for the per-proof work, behind feature detection (`process.getBuiltinModule`,
 * Node 20.16+): the `ath` hash synchronously, signatures on the thread pool (the callback form of
 * `crypto.verify`). Web Crypto's `verify` and `digest` cost more on
 * Node (WebIDL checks, key and algorithm normalisation, jose's wrapping) than the signature
 * itself. Elsewhere (workerd; Bun and Deno for signatures) everything stays on Web Crypto through
 * `jose`. `jose` always imports and checks a proof key first (EmbeddedJWK); this module only
 * re-verifies signatures by keys `jose` accepted before, for the same `alg`.
 */

interface KeyObjectLike {
  readonly asymmetricKeyType?: string;
}

interface NodeCrypto {
  createHash(algorithm: string): { update(data: string): { digest(encoding: 'base64url'): string } };
  KeyObject: { from(key: unknown): KeyObjectLike };
  verify(
    algorithm: string | null,
    data: Uint8Array,
    key: { key: KeyObjectLike; dsaEncoding?: string; padding?: number; saltLength?: number },
    signature: Uint8Array,
    callback: (error: Error | null, valid: boolean) => void,
  ): void;
  constants: { RSA_PKCS1_PSS_PADDING: number };
}

interface ProcessLike {
  getBuiltinModule?: (id: string) => unknown;
  versions?: Record<string, string | undefined>;
}

const runtime = (globalThis as { process?: ProcessLike }).process;

const node: NodeCrypto | undefined = (() => {
  try {
    return runtime?.getBuiltinModule?.('node:crypto') as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
})();

/** SHA-256 of "abc" (FIPS 180-2 appendix B.1), base64url: a hash that gets it wrong is not used. */
const ABC_SHA256 = 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0';

const syncHash = (() => {
  try {
    const hash = (text: string) => node?.createHash('sha256').update(text).digest('base64url');
    return hash('abc') === ABC_SHA256 ? hash : undefined;
  } catch {
    return undefined;
  }
})();

/**
 * Signatures on the thread pool through `node:crypto` on Node itself only: other runtimes'
 * `node:crypto` (Bun's, Deno's) may lack the callback form, and Web Crypto serves them as before.
 */
const onNode =
  node !== undefined &&
  runtime?.versions?.node !== undefined &&
  runtime.versions.bun === undefined &&
  runtime.versions.deno === undefined;

/** §4.2 `ath`: base64url(SHA-256(ASCII(token))) synchronously, or `undefined` without Node's crypto. */
export function syncAccessTokenHash(token: string): string | undefined {
  return syncHash?.(token);
}

/** RFC 7518 §3.1 and RFC 8037 §3.1: how each JWS algorithm verifies, in `crypto.verify`'s terms. */
const SIGNATURES: Readonly<Record<string, { hash: string | null; pss?: number }>> = {
  ES256: { hash: 'sha256' },
  ES384: { hash: 'sha384' },
  ES512: { hash: 'sha512' },
  RS256: { hash: 'sha256' },
  RS384: { hash: 'sha384' },
  RS512: { hash: 'sha512' },
  // RFC 7518 §3.5: the salt as long as the hash.
  PS256: { hash: 'sha256', pss: 32 },
  PS384: { hash: 'sha384', pss: 48 },
  PS512: { hash: 'sha512', pss: 64 },
  EdDSA: { hash: null },
  Ed25519: { hash: null },
};

/**
 * A signature check for a key `jose` imported and accepted for `alg`, or `undefined` when Node's
 * crypto is missing or cannot take the key (then `jose` verifies every proof of that key).
 */
export type SignatureCheck = (signingInput: Uint8Array, signature: Uint8Array) => Promise<boolean>;

export function nodeSignatureCheck(alg: string, cryptoKey: unknown): SignatureCheck | undefined {
  const scheme = SIGNATURES[alg];
  if (node === undefined || !onNode || scheme === undefined) return undefined;
  let key: KeyObjectLike;
  try {
    key = node.KeyObject.from(cryptoKey);
  } catch {
    return undefined;
  }
  const type = key.asymmetricKeyType;
  // JWS signatures: ECDSA as r || s (RFC 7518 §3.4), RSASSA-PSS with the salt above.
  const options =
    type === 'ec'
      ? { key, dsaEncoding: 'ieee-p1363' }
      : scheme.pss !== undefined
        ? { key, padding: node.constants.RSA_PKCS1_PSS_PADDING, saltLength: scheme.pss }
        : { key };
  const { verify } = node;
  // The callback form runs on libuv's thread pool, so that concurrent requests verify in parallel.
  return (signingInput, signature) =>
    new Promise((resolve) => {
      try {
        verify(scheme.hash, signingInput, options, signature, (error, valid) => resolve(error === null && valid));
      } catch {
        resolve(false); // a malformed signature is a bad signature
      }
    });
}
