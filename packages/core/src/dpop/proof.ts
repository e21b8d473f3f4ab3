/**
 * DPoP proof verification, RFC 9449 §4.3, with `jose` doing the JOSE: every rule is checked,
 * and any failure is a `TokenRejectedError` with a fixed code (`dpop_proof_invalid`, or
 * `dpop_nonce_required` for §8's nonce) and a sanitised detail for the audit event only.
 */
import {
  base64url,
  type CryptoKey,
  calculateJwkThumbprint,
  decodeJwt,
  decodeProtectedHeader,
  EmbeddedJWK,
  type JWK,
  type JWTPayload,
  jwtVerify,
  type ProtectedHeaderParameters,
} from 'jose';
import { LRUCache } from 'lru-cache';
import type { RefusalDetail } from '../audit/detail.js';
import { missing, notAccepted, wrongType } from '../audit/detail.js';
import { TokenRejectedError } from '../errors.js';
import { expectedHtu, normalizeHtu } from './htu.js';
import { nodeSignatureCheck, type SignatureCheck, syncAccessTokenHash } from './node-crypto.js';
import type { DpopNonces } from './nonce.js';
import type { NormalizedDpop } from './options.js';

/** A proof that passed every §4.3 rule (its `jti` is not yet recorded: the gate does that last). */
export interface VerifiedProof {
  /** RFC 7638 SHA-256 thumbprint of the proof's key, to compare with the token's `cnf.jkt`. */
  readonly jkt: string;
  readonly jti: string;
  /** Seconds since the epoch. */
  readonly iat: number;
  readonly nonce: string | undefined;
}

/** The request a proof must match. */
export interface ProofRequest {
  readonly method: string;
  readonly path: string;
  readonly accessToken: string;
}

// RFC 7515 §7.1 compact serialisation: three base64url parts.
const COMPACT_JWS = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/;
// RFC 7517 §6: members of private keys (EC/OKP `d`, RSA primes and CRT values) and of
// symmetric keys (`k`); none may appear in a proof's `jwk` (§4.3 step 7).
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'];
const PUBLIC_KEY_TYPES = new Set(['EC', 'RSA', 'OKP']);
const MAX_JTI_CHARS = 512;

/** A proof key jose imported and checked (EmbeddedJWK), with its thumbprint. */
interface ProofKey {
  readonly key: CryptoKey;
  readonly jkt: string;
  /** Node's synchronous check of the same key for the same `alg` (node-crypto.ts), where there is one. */
  readonly check: SignatureCheck | undefined;
}

/**
 * Proof keys by `alg` and the exact `jwk` text, so that a client's repeated proofs skip the key
 * import and thumbprint: the same text under the same `alg` passed EmbeddedJWK's checks before.
 * Bounded, since anyone can send keys.
 */
export class ProofKeyCache {
  readonly #cache = new LRUCache<string, ProofKey>({ max: 1000 });
  /** Whether known keys are re-verified with Node's crypto where there is one (tests turn it off). */
  constructor(readonly nodeChecks = true) {}
  get(id: string): ProofKey | undefined {
    return this.#cache.get(id);
  }
  set(id: string, key: ProofKey): void {
    this.#cache.set(id, key);
  }
}

function reject(detail: RefusalDetail, cause?: unknown): never {
  throw new TokenRejectedError('dpop_proof_invalid', { detail, ...(cause === undefined ? {} : { cause }) });
}

/** §4.3 step 1: exactly one `DPoP` field. */
function singleProof(header: string | readonly string[] | undefined): string {
  if (header === undefined) reject(missing('DPoP header'));
  if (typeof header !== 'string') {
    if (header.length !== 1) reject(notAccepted('DPoP header', `${header.length} fields`, ['one field']));
    return singleProof(header[0]);
  }
  return header;
}

function checkHeader(header: ProtectedHeaderParameters, options: NormalizedDpop): JWK {
  // Step 4: `typ` exactly `dpop+jwt` (jose's own check would accept `application/dpop+jwt`).
  if (header.typ !== 'dpop+jwt') reject(notAccepted('typ', header.typ, ['dpop+jwt']));
  // Step 5: an asymmetric algorithm from the allowlist (never `none`, never HMAC).
  if (typeof header.alg !== 'string' || !options.algs.includes(header.alg)) {
    reject(notAccepted('alg', header.alg, options.algs));
  }
  // Step 7: a public key only.
  const jwk = header.jwk;
  if (typeof jwk !== 'object' || jwk === null || Array.isArray(jwk)) reject(wrongType('jwk', jwk, 'object'));
  if (typeof jwk.kty !== 'string' || !PUBLIC_KEY_TYPES.has(jwk.kty)) {
    reject(notAccepted('jwk.kty', jwk.kty, [...PUBLIC_KEY_TYPES]));
  }
  for (const member of PRIVATE_MEMBERS) {
    if (Object.hasOwn(jwk, member)) reject(notAccepted('jwk', `has private member ${member}`, ['a public key']));
  }
  return jwk;
}

async function subtleAccessTokenHash(token: string): Promise<string> {
  return base64url.encode(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(token))));
}

/** §4.2: ath = base64url(SHA-256(ASCII(access token))). */
function accessTokenHash(token: string): string | Promise<string> {
  return syncAccessTokenHash(token) ?? subtleAccessTokenHash(token);
}

const ascii = new TextEncoder();

/**
 * A proof by a key jose accepted before, verified with Node's crypto: the signature over the
 * signing input (RFC 7515 §5.2), then the JWT claims jose's jwtVerify would check (RFC 7519
 * §4.1.4 and §4.1.5: `exp` and `nbf` if present, numbers, within the tolerance). A header with
 * `crit` never comes here: jose decides what it understands.
 */
async function verifyWithNode(
  proof: string,
  check: SignatureCheck,
  now: number,
  tolerance: number,
): Promise<JWTPayload> {
  const signatureStart = proof.lastIndexOf('.');
  const signature = base64url.decode(proof.slice(signatureStart + 1));
  if (!(await check(ascii.encode(proof.slice(0, signatureStart)), signature)))
    throw new Error('signature verification failed');
  const payload = decodeJwt(proof);
  const seconds = Math.floor(now / 1000);
  for (const claim of ['iat', 'exp', 'nbf'] as const) {
    if (payload[claim] !== undefined && typeof payload[claim] !== 'number') throw new Error(`${claim} is not a number`);
  }
  if (payload.exp !== undefined && payload.exp <= seconds - tolerance) throw new Error('the proof has expired');
  if (payload.nbf !== undefined && payload.nbf > seconds + tolerance) throw new Error('the proof is not yet valid');
  return payload;
}

function checkClaims(payload: JWTPayload, request: ProofRequest, options: NormalizedDpop, nowSeconds: number): void {
  const { jti, htm, htu, iat } = payload;
  // Step 2 (§4.2 required claims) and step 11 (`jti` recorded later).
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_CHARS)
    reject(wrongType('jti', jti, 'string'));
  // Step 8: `htm` equals the request method (methods are case-sensitive, RFC 9110 §9.1).
  if (typeof htm !== 'string') reject(wrongType('htm', htm, 'string'));
  if (htm !== request.method) reject(notAccepted('htm', htm, [request.method]));
  // Step 9: `htu` equals the request URI without query and fragment, after normalisation.
  if (typeof htu !== 'string') reject(wrongType('htu', htu, 'string'));
  const expected = expectedHtu(options.origin, request.path);
  const found = normalizeHtu(htu);
  if (expected === undefined || found !== expected)
    reject(notAccepted('htu', htu, expected === undefined ? [] : [expected]));
  // Step 11: `iat` within the window (§11.1).
  if (typeof iat !== 'number' || !Number.isFinite(iat)) reject(wrongType('iat', iat, 'number'));
  if (nowSeconds - iat > options.past) reject(notAccepted('iat', String(iat), [`at most ${options.past} s old`]));
  if (iat - nowSeconds > options.future) reject(notAccepted('iat', String(iat), [`at most ${options.future} s ahead`]));
}

/**
 * Verifies the request's one DPoP proof for `request` (RFC 9449 §4.3 steps 1 to 12, step 11's
 * `jti` record excepted) and, with nonces on, its nonce (§8, step 10 is checked last so that a
 * proof that is wrong anyway says so rather than asking for a nonce).
 */
export async function verifyProof(
  header: string | readonly string[] | undefined,
  request: ProofRequest,
  options: NormalizedDpop,
  nonces: DpopNonces | undefined,
  now: number,
  keys: ProofKeyCache = new ProofKeyCache(),
): Promise<VerifiedProof> {
  const proof = singleProof(header);
  // Step 2: a well-formed compact JWS, bounded before parsing.
  if (proof.length > options.maxProofBytes)
    reject(notAccepted('DPoP header', 'too large', [`${options.maxProofBytes} bytes`]));
  if (!COMPACT_JWS.test(proof)) reject(notAccepted('DPoP header', 'not a compact JWS', ['a signed JWT']));
  let protectedHeader: ProtectedHeaderParameters;
  try {
    protectedHeader = decodeProtectedHeader(proof);
  } catch (cause) {
    reject(notAccepted('DPoP header', 'not a compact JWS', ['a signed JWT']), cause);
  }
  const jwk = checkHeader(protectedHeader, options);
  // Step 6: the signature verifies with the key in `jwk`; jose also refuses a private or
  // unusable key, `crit` it does not know, and an `exp`/`nbf` a proof may carry.
  const keyId = `${protectedHeader.alg}\n${JSON.stringify(jwk)}`;
  const known = keys.get(keyId);
  let imported: CryptoKey | undefined;
  let payload: JWTPayload;
  try {
    const verifyOptions = { algorithms: [...options.algs], currentDate: new Date(now), clockTolerance: options.future };
    if (known?.check !== undefined && protectedHeader.crit === undefined)
      payload = await verifyWithNode(proof, known.check, now, options.future);
    else if (known !== undefined) ({ payload } = await jwtVerify(proof, known.key, verifyOptions));
    else {
      const embedded: typeof EmbeddedJWK = async (header, token) => {
        imported = await EmbeddedJWK(header, token);
        return imported;
      };
      ({ payload } = await jwtVerify(proof, embedded, verifyOptions));
    }
  } catch (cause) {
    reject(notAccepted('signature', 'not valid', ['a valid signature by the proof key']), cause);
  }
  const nowSeconds = Math.floor(now / 1000);
  checkClaims(payload, request, options, nowSeconds);
  // Step 12: `ath` is the hash of the access token presented with the proof.
  if (typeof payload.ath !== 'string') reject(missing('ath'));
  const ath = accessTokenHash(request.accessToken);
  if (payload.ath !== (typeof ath === 'string' ? ath : await ath))
    reject(notAccepted('ath', 'another token', ['the access token hash']));
  const nonce = payload.nonce;
  if (nonces !== undefined && !(await nonces.accepts(nonce))) {
    throw new TokenRejectedError('dpop_nonce_required', {
      detail: nonce === undefined ? missing('nonce') : notAccepted('nonce', 'not current', ['the current nonce']),
    });
  }
  let jkt = known?.jkt;
  if (jkt === undefined) {
    try {
      jkt = await calculateJwkThumbprint(jwk, 'sha256');
    } catch (cause) {
      reject(notAccepted('jwk', 'no thumbprint', ['a complete public key']), cause);
    }
    if (imported !== undefined) {
      keys.set(keyId, {
        key: imported,
        jkt,
        check: keys.nodeChecks ? nodeSignatureCheck(protectedHeader.alg as string, imported) : undefined,
      });
    }
  }
  return {
    jkt,
    jti: payload.jti as string,
    iat: payload.iat as number,
    nonce: typeof nonce === 'string' ? nonce : undefined,
  };
}
