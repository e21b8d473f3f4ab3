/**
 * Node's synchronous crypto for the per-proof work, behind feature detection
 * (`process.getBuiltinModule`, Node 20.16+): Web Crypto's `verify` and `digest` cost more on
 * Node (a job and a promise each, and Node's WebIDL checks) than the signature itself. Where
 * there is no `node:crypto` (Bun and Deno have one; workerd may not) everything stays on Web
 * Crypto through `jose`. `jose` always imports and checks a proof key first (EmbeddedJWK); this
 * module only re-verifies signatures by keys `jose` accepted before, for the same `alg`.
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
  ): boolean;
  constants: { RSA_PKCS1_PSS_PADDING: number };
}

const node: NodeCrypto | undefined = (() => {
  const get = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process?.getBuiltinModule;
  try {
    return get?.('node:crypto') as NodeCrypto | undefined;
  } catch {
    return undefined;
  }
})();

/** §4.2 `ath`: base64url(SHA-256(ASCII(token))) synchronously, or `undefined` without Node's crypto. */
export function syncAccessTokenHash(token: string): string | undefined {
  return node?.createHash('sha256').update(token).digest('base64url');
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
export type SignatureCheck = (signingInput: Uint8Array, signature: Uint8Array) => boolean;

export function nodeSignatureCheck(alg: string, cryptoKey: unknown): SignatureCheck | undefined {
  const scheme = SIGNATURES[alg];
  if (node === undefined || scheme === undefined) return undefined;
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
  return (signingInput, signature) => {
    try {
      return verify(scheme.hash, signingInput, options, signature);
    } catch {
      return false; // a malformed signature is a bad signature
    }
  };
}
