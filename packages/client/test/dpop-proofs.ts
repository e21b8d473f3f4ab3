/**
 * The resource side of RFC 9449, just enough for the client's tests and written independently of
 * oauth4webapi, so that a proof oauth4webapi makes is checked by other code: §4.3's checks of
 * `typ`, `alg` (ES256 only here), the embedded public `jwk`, the signature, `htm`, `htu`, `iat`,
 * `ath`, `nonce`, and the key's RFC 7638 thumbprint to compare with the token's `cnf.jkt`.
 */
import { createHash, webcrypto } from 'node:crypto';

const b64u = (bytes: Uint8Array | Buffer) => Buffer.from(bytes).toString('base64url');
const json = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

export interface CheckedProof {
  readonly jkt: string;
  readonly jti: string;
  readonly nonce: string | undefined;
  readonly htu: string;
  readonly htm: string;
}

/** The RFC 7638 SHA-256 thumbprint of an EC P-256 public JWK. */
export function thumbprint(jwk: Record<string, unknown>): string {
  const canonical = JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y });
  return b64u(createHash('sha256').update(canonical).digest());
}

/**
 * Throws unless `proof` is a valid DPoP proof for `method` `url`, presenting `token` (with `ath`),
 * or, for a token request, without one.
 */
export async function checkProof(
  proof: string | undefined,
  method: string,
  url: string,
  token?: string,
): Promise<CheckedProof> {
  if (proof === undefined) throw new Error('no DPoP header');
  const [head, body, signature, ...rest] = proof.split('.');
  if (head === undefined || body === undefined || signature === undefined || rest.length > 0)
    throw new Error('not a JWS');
  const header = json(head);
  const payload = json(body);
  if (header.typ !== 'dpop+jwt' || header.alg !== 'ES256') throw new Error('typ or alg');
  const jwk = header.jwk as Record<string, unknown> | undefined;
  if (jwk === undefined || jwk.kty !== 'EC' || jwk.crv !== 'P-256' || 'd' in jwk) throw new Error('jwk');
  const key = await webcrypto.subtle.importKey(
    'jwk',
    jwk as webcrypto.JsonWebKey,
    { name: 'ECDSA', namedCurve: 'P-256' },
    false,
    ['verify'],
  );
  const valid = await webcrypto.subtle.verify(
    { name: 'ECDSA', hash: 'SHA-256' },
    key,
    Buffer.from(signature, 'base64url'),
    Buffer.from(`${head}.${body}`),
  );
  if (!valid) throw new Error('signature');
  const target = new URL(url);
  if (payload.htm !== method) throw new Error('htm');
  if (payload.htu !== `${target.origin}${target.pathname}`) throw new Error('htu');
  if (typeof payload.iat !== 'number' || Math.abs(payload.iat - Date.now() / 1000) > 60) throw new Error('iat');
  if (typeof payload.jti !== 'string' || payload.jti.length === 0) throw new Error('jti');
  const ath = token === undefined ? undefined : b64u(createHash('sha256').update(token).digest());
  if (payload.ath !== ath) throw new Error('ath');
  return {
    jkt: thumbprint(jwk),
    jti: payload.jti,
    nonce: typeof payload.nonce === 'string' ? payload.nonce : undefined,
    htu: payload.htu,
    htm: payload.htm,
  };
}

/** The token in `Authorization: DPoP <token>`, if that is the scheme. */
export function dpopToken(authorization: string | undefined): string | undefined {
  return /^DPoP ([A-Za-z0-9\-._~+/]+=*)$/.exec(authorization ?? '')?.[1];
}
