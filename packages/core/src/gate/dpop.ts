/**
 * The gate's DPoP step (RFC 9449): the proof of a `DPoP` request, the token's binding to the
 * proof's key (§7.1, §6.1 `cnf.jkt`), the refusal of a bound token sent as `Bearer` (§7.2), the
 * proof's one use (§11.1) and the `DPoP-Nonce` header (§8, §9). Kept apart from the gate so that
 * a gate without DPoP runs none of it.
 */
import type { Refusal } from '../challenge/refusal.js';
import { DpopNonces } from '../dpop/nonce.js';
import type { NormalizedDpop } from '../dpop/options.js';
import { ProofKeyCache, type VerifiedProof, verifyProof } from '../dpop/proof.js';
import { consumeProof, type ProofUse } from '../dpop/replay.js';
import { TokenRejectedError } from '../errors.js';
import type { RequestFacts } from '../facts.js';
import type { ReplayStore } from '../replay/types.js';
import type { VerifiedToken } from '../verify/index.js';

/** `cnf.jkt` of a token (RFC 9449 §6.1), `undefined` when absent; any other `cnf.jkt` value stays non-undefined. */
function boundKey(token: VerifiedToken): unknown {
  const cnf = token.claims.cnf as unknown;
  return typeof cnf === 'object' && cnf !== null ? (cnf as { jkt?: unknown }).jkt : undefined;
}

/**
 * §7.2: a token bound to a key (`cnf.jkt` present) sent as `Bearer` is refused, whether or not
 * this gate accepts DPoP: whoever holds it without the key must not use it.
 */
export function checkBearerBinding(token: VerifiedToken): void {
  if (boundKey(token) !== undefined) throw new TokenRejectedError('token_dpop_bound');
}

/** RFC 9728 §2: the proof algorithms, and whether only DPoP-bound tokens are accepted. */
export function dpopMetadata(options: NormalizedDpop): Record<string, unknown> {
  return {
    dpop_signing_alg_values_supported: [...options.algs],
    ...(options.accept === 'only' ? { dpop_bound_access_tokens_required: true } : {}),
  };
}

export class DpopStep {
  readonly #options: NormalizedDpop;
  readonly #nonces: DpopNonces | undefined;
  readonly #now: () => number;
  readonly #keys = new ProofKeyCache();
  /**
   * Proofs already recorded for a request (by its facts object), so that an integration asking
   * the gate about several actions for one request (the MCP guard: its baseline, then the
   * tool's action) does not see its own proof as replayed.
   */
  readonly #recorded = new WeakMap<RequestFacts, VerifiedProof>();
  /** Refusals with the current nonce added, remade when the nonce rotates. */
  #withNonce = new WeakMap<Refusal, { nonce: string; refusal: Refusal }>();

  constructor(options: NormalizedDpop, now: () => number) {
    this.#options = options;
    this.#nonces = options.nonce === undefined ? undefined : new DpopNonces(options.nonce, now);
    this.#now = now;
  }

  /** §4.3: the request's one proof, valid for this method, URI and token. */
  proof(facts: RequestFacts, accessToken: string): Promise<VerifiedProof> {
    return verifyProof(
      facts.dpop,
      { method: facts.method, path: facts.path, accessToken },
      this.#options,
      this.#nonces,
      this.#now(),
      this.#keys,
    );
  }

  /** §7.1: the token must be bound (`cnf.jkt`) to the proof's key. */
  checkBinding(token: VerifiedToken, proof: VerifiedProof): void {
    const jkt = boundKey(token);
    if (jkt === undefined) throw new TokenRejectedError('dpop_token_unbound');
    if (jkt !== proof.jkt) throw new TokenRejectedError('dpop_key_mismatch');
  }

  /** §11.1: records the proof's `jti` for as long as the proof could be accepted. */
  async consume(store: ReplayStore, facts: RequestFacts, proof: VerifiedProof, timeoutMs: number): Promise<ProofUse> {
    const recorded = this.#recorded.get(facts);
    if (recorded !== undefined && recorded.jti === proof.jti && recorded.jkt === proof.jkt) {
      // The same request, asked about again: its proof was recorded by the earlier decision.
      return { first: true, release: () => {} };
    }
    const expiresAt = (proof.iat + this.#options.past + 1) * 1000;
    const use = await consumeProof(store, proof, expiresAt, timeoutMs);
    if (!use.first) return use;
    this.#recorded.set(facts, proof);
    return {
      first: true,
      release: () => {
        this.#recorded.delete(facts);
        use.release();
      },
    };
  }

  /**
   * §9: headers for an allowed request: the current nonce when the proof carried an older one,
   * so that the client moves on before the old one is refused.
   */
  async allowHeaders(proof: VerifiedProof): Promise<Readonly<Record<string, string>> | undefined> {
    if (this.#nonces === undefined) return undefined;
    const current = await this.#nonces.current();
    return proof.nonce === current ? undefined : { 'dpop-nonce': current };
  }

  /** §8: a `use_dpop_nonce` refusal carries the nonce to use, in `DPoP-Nonce`. */
  async withNonce(refusal: Refusal): Promise<Refusal> {
    if (this.#nonces === undefined) return refusal;
    let nonce: string;
    try {
      nonce = await this.#nonces.current();
    } catch {
      return refusal; // still a refusal: the gate never rejects
    }
    const cached = this.#withNonce.get(refusal);
    if (cached?.nonce === nonce) return cached.refusal;
    const withNonce = Object.freeze({
      ...refusal,
      headers: Object.freeze({ ...refusal.headers, 'dpop-nonce': nonce }),
    });
    this.#withNonce.set(refusal, { nonce, refusal: withNonce });
    return withNonce;
  }
}
