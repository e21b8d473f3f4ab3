/**
 * RFC 9449 §11.1: each proof is good for one request. Its `jti` is recorded in the gate's
 * replay store (shared by a fleet through `@actiongate/redis`) under a `dpop:` key for as long as
 * the proof could be accepted, so that the same proof is refused everywhere afterwards. Like
 * single-use tokens, a store that fails or is too slow fails the request closed (503), and a use
 * the gate gave up on is undone, so that a refused request never burns a proof.
 */
import { base64url } from 'jose';
import { recordUse, releaseQuietly } from '../replay/record-use.js';
import type { ReplayStore } from '../replay/types.js';

/** A recorded proof use, which can be undone when a later step refuses the request. */
export interface ProofUse {
  readonly first: boolean;
  release(): void;
}

/**
 * `dpop:<jkt>:<base64url(jti)>`: scoped by key, so two clients' jtis cannot collide; bounded in
 * size (the thumbprint is 43 characters, a jti at most 512, proof.ts), so no hash is needed; and
 * of base64url characters only, whatever the jti holds (a store may join keys with separators).
 */
function proofKey(jkt: string, jti: string): string {
  return `dpop:${jkt}:${base64url.encode(jti)}`;
}

export async function consumeProof(
  store: ReplayStore,
  proof: { readonly jkt: string; readonly jti: string },
  expiresAt: number,
  timeoutMs: number,
): Promise<ProofUse> {
  const key = proofKey(proof.jkt, proof.jti);
  const attempt = crypto.randomUUID();
  const result = await recordUse(store, key, attempt, timeoutMs, () => store.consume(key, { expiresAt, attempt }));
  return {
    first: result.first,
    release: result.first ? () => releaseQuietly(store, key, attempt) : () => {},
  };
}
