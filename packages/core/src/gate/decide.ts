/**
 * One decision, in the contract's order: extraction (400), the DPoP proof, verification (401
 * `invalid_token`, 503), binding, introspection and revocation (401, 503), then the action's
 * checks, single use and use budgets (see authorize.ts), and one audit event.
 *
 * Each stage returns its result, or a promise of it only when it has to wait (a signature not
 * yet cached, a DPoP proof, a store, a hook), so that a cached token's request is decided
 * without a promise or a microtask: adapters can then answer it in the same tick.
 */
import type { RefusalDetail } from '../audit/detail.js';
import type { DecisionHook } from '../audit/index.js';
import { emitDecision } from '../audit/index.js';
import type { Refusal } from '../challenge/refusal.js';
import type { VerifiedProof } from '../dpop/proof.js';
import { TokenRejectedError } from '../errors.js';
import { type ExtractOptions, extractToken } from '../extract/index.js';
import type { RequestFacts } from '../facts.js';
import type { RevocationCheck } from '../revocation/check.js';
import type { VerifiedToken, Verifier } from '../verify/index.js';
import type { Introspector } from '../verify/introspection.js';
import { auditEvent } from './audit-event.js';
import type { Authorize } from './authorize.js';
import { checkBearerBinding, type DpopStep } from './dpop.js';
import { refusalCodeFor } from './failure.js';
import type { PreparedAction } from './prepare.js';
import type { RefusalTables } from './tables.js';
import type { Decision } from './types.js';

export interface DecideContext<N extends string> {
  readonly config: ExtractOptions;
  readonly onDecision: DecisionHook | undefined;
  readonly knownToken: ((token: string) => boolean) | undefined;
  readonly verify: Verifier;
  readonly dpop: DpopStep | undefined;
  readonly introspectors: ReadonlyMap<string, Introspector>;
  readonly isRevoked: RevocationCheck | undefined;
  readonly authorize: Authorize<N>;
  readonly requiresDpop: (name: N) => boolean;
  readonly tablesOf: (entry: PreparedAction<N>) => RefusalTables;
  readonly dpopOnlyTables: RefusalTables;
  /** A refusal for a key set or introspection endpoint in backoff, when it differs from the table's. */
  readonly backoffRefusal: (error: unknown) => Refusal | undefined;
}

/** What one decision learnt on its way, for the refusal of a failure and the audit event. */
interface Trail {
  viaDpop: boolean;
  token: VerifiedToken | undefined;
  cause: unknown;
  detail: RefusalDetail | undefined;
}

/** The decision, or a promise of it when a stage had to wait. Never rejects for what a request carries. */
export type DecideNow<N extends string> = (
  entry: PreparedAction<N>,
  facts: RequestFacts,
) => Decision<N> | Promise<Decision<N>>;

export function createDecideNow<N extends string>(context: DecideContext<N>): DecideNow<N> {
  const { config, onDecision, knownToken, verify, dpop, introspectors, isRevoked, authorize } = context;
  const { requiresDpop, tablesOf, dpopOnlyTables, backoffRefusal } = context;

  const tableFor = (entry: PreparedAction<N>, trail: Trail) => tablesOf(entry)[trail.viaDpop ? 'dpop' : 'bearer'];

  function fromHeaders(entry: PreparedAction<N>, facts: RequestFacts, trail: Trail) {
    const extraction = extractToken(facts, config, knownToken);
    trail.viaDpop = extraction.scheme === 'dpop';
    if ('refusal' in extraction) return tableFor(entry, trail)[extraction.refusal];
    // RFC 6750 §3.1: Bearer is not a method this action supports; only the DPoP challenge.
    if (!trail.viaDpop && requiresDpop(entry.action.name)) return dpopOnlyTables.bearer.dpop_required;
    const raw = extraction.token;
    // RFC 9449 §4.3 before the token: a request without a valid proof is refused whatever it carries.
    if (trail.viaDpop && dpop !== undefined)
      return dpop.proof(facts, raw).then((proof) => withToken(entry, facts, raw, proof, trail));
    return withToken(entry, facts, raw, undefined, trail);
  }

  function withToken(
    entry: PreparedAction<N>,
    facts: RequestFacts,
    raw: string,
    proof: VerifiedProof | undefined,
    trail: Trail,
  ): Decision<N> | Promise<Decision<N>> {
    const verified = verify(raw);
    if (verified instanceof Promise)
      return verified.then((token) => withVerified(entry, facts, raw, token, proof, trail));
    return withVerified(entry, facts, raw, verified, proof, trail);
  }

  function withVerified(
    entry: PreparedAction<N>,
    facts: RequestFacts,
    raw: string,
    token: VerifiedToken,
    proof: VerifiedProof | undefined,
    trail: Trail,
  ): Decision<N> | Promise<Decision<N>> {
    trail.token = token;
    if (proof === undefined) checkBearerBinding(token);
    else dpop?.checkBinding(token, proof);
    // A revocation check for chosen actions: the JWT verified, is it still active? (RFC 7662)
    if (entry.action.introspect && token.introspected !== true) {
      const introspector = introspectors.get(token.issuer) as Introspector; // every issuer has one
      return introspector.checkActive(raw).then(() => unlessRevoked(entry, facts, token, proof, trail));
    }
    return unlessRevoked(entry, facts, token, proof, trail);
  }

  function unlessRevoked(
    entry: PreparedAction<N>,
    facts: RequestFacts,
    token: VerifiedToken,
    proof: VerifiedProof | undefined,
    trail: Trail,
  ): Decision<N> | Promise<Decision<N>> {
    if (isRevoked === undefined) return authorize(entry, token, facts, proof);
    return isRevoked(token).then((revoked) =>
      revoked ? tableFor(entry, trail).token_revoked : authorize(entry, token, facts, proof),
    );
  }

  /** Fail closed: every error is a refusal (503 for what could not be checked, 500 for the unexpected). */
  function refusalOf(entry: PreparedAction<N>, error: unknown, trail: Trail): Refusal | Promise<Refusal> {
    const code = refusalCodeFor(error);
    if (error instanceof TokenRejectedError) trail.detail = error.detail;
    else trail.cause = error;
    const refusal = backoffRefusal(error) ?? tableFor(entry, trail)[code];
    return code === 'dpop_nonce_required' && dpop !== undefined ? dpop.withNonce(refusal) : refusal;
  }

  function audited(
    entry: PreparedAction<N>,
    facts: RequestFacts,
    decision: Decision<N>,
    trail: Trail,
    started: number,
  ) {
    if (onDecision !== undefined) {
      const elapsed = performance.now() - started;
      emitDecision(onDecision, auditEvent(entry, facts, decision, trail.token, elapsed, trail.cause, trail.detail));
    }
    return decision;
  }

  return function decideNow(entry, facts) {
    const started = onDecision === undefined ? 0 : performance.now();
    const trail: Trail = { viaDpop: false, token: undefined, cause: undefined, detail: undefined };
    let outcome: Decision<N> | Promise<Decision<N>>;
    try {
      outcome = fromHeaders(entry, facts, trail);
    } catch (error) {
      outcome = refusalOf(entry, error, trail);
    }
    if (!(outcome instanceof Promise)) return audited(entry, facts, outcome, trail, started);
    return outcome
      .then(undefined, (error: unknown) => refusalOf(entry, error, trail))
      .then((decision) => audited(entry, facts, decision, trail, started));
  };
}
