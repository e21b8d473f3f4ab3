export { DpopNonces } from './nonce.js';
export {
  DEFAULT_DPOP_ALGS,
  type DpopNonceOptions,
  type DpopOptions,
  type NormalizedDpop,
  normalizeDpop,
} from './options.js';
export { type ProofRequest, type VerifiedProof, verifyProof } from './proof.js';
export { consumeProof, type ProofUse } from './replay.js';
