/**
 * The stage runner after verification and revocation: the action's checks (401 step-up, 403),
 * the context hook, the DPoP proof's `jti` (RFC 9449 §11.1), then single use (401) or the use
 * budget (403). Synchronous unless the action needs the store or a hook, or the request used DPoP.
 */

import type { Refusal } from '../challenge/refusal.js';
import type { CheckContext } from '../checks/index.js';
import type { VerifiedProof } from '../dpop/proof.js';
import type { ProofUse } from '../dpop/replay.js';
import type { RequestFacts } from '../facts.js';
import type { ReplayStore } from '../replay/types.js';
import type { VerifiedToken } from '../verify/index.js';
import type { DpopStep } from './dpop.js';
import { refusalFor, runChecks, runContextCheck, type Verdict } from './evaluate.js';
import type { NormalizedGateOptions } from './options.js';
import type { PreparedAction } from './prepare.js';
import { consumeToken, spendBudget } from './single-use.js';
import type { RefusalTables } from './tables.js';
import type { Allow, Decision } from './types.js';

export interface AuthorizeContext<N extends string> {
  readonly config: Pick<NormalizedGateOptions, 'now' | 'clockTolerance' | 'replayTimeout'>;
  readonly dpop: DpopStep | undefined;
  /** Present whenever an action is single use or budgeted, or the gate accepts DPoP. */
  readonly replayStore: ReplayStore | undefined;
  readonly tablesOf: (entry: PreparedAction<N>) => RefusalTables;
}

export type Authorize<N extends string> = (
  entry: PreparedAction<N>,
  token: VerifiedToken,
  facts: RequestFacts,
  proof: VerifiedProof | undefined,
) => Decision<N> | Promise<Decision<N>>;

export function createAuthorize<N extends string>({
  config,
  dpop,
  replayStore,
  tablesOf,
}: AuthorizeContext<N>): Authorize<N> {
  function allow(entry: PreparedAction<N>, token: VerifiedToken, headers?: Readonly<Record<string, string>>): Allow<N> {
    const auth = { action: entry.action.name, claims: token.claims, scopes: token.scopes, issuer: token.issuer };
    return headers === undefined ? { allow: true, auth } : { allow: true, auth, headers };
  }

  async function authorizeAsync(
    entry: PreparedAction<N>,
    token: VerifiedToken,
    context: CheckContext,
    found: Verdict | undefined,
    proof: VerifiedProof | undefined,
  ) {
    const verdict = entry.action.check === undefined ? found : await runContextCheck(entry, context, found);
    const refusal = refusalFor(proof === undefined ? entry : entry.viaDpop, verdict);
    if (refusal !== undefined) return refusal;
    let proofUse: ProofUse | undefined;
    if (proof !== undefined && dpop !== undefined) {
      // Recorded once everything else allowed the request, like a single-use token.
      proofUse = await dpop.consume(replayStore as ReplayStore, context.facts, proof, config.replayTimeout);
      if (!proofUse.first) return tablesOf(entry).dpop.dpop_proof_replayed;
    }
    try {
      const refused = await consumeSingleUse(entry, token, proof !== undefined);
      if (refused !== undefined) {
        proofUse?.release(); // a refused request has no effect: the proof can be used again
        return refused;
      }
    } catch (error) {
      proofUse?.release();
      throw error;
    }
    return allow(entry, token, proof === undefined ? undefined : await dpop?.allowHeaders(proof));
  }

  async function consumeSingleUse(
    entry: PreparedAction<N>,
    token: VerifiedToken,
    viaDpop: boolean,
  ): Promise<Refusal | undefined> {
    const table = viaDpop ? tablesOf(entry).dpop : tablesOf(entry).bearer;
    if (entry.action.singleUse) {
      // Recorded only now, when everything else allowed the request.
      const perAction = entry.action.singleUsePer === 'action';
      const consumed = await consumeToken(
        replayStore as ReplayStore,
        token,
        config.clockTolerance,
        config.replayTimeout,
        perAction ? entry.action.name : undefined,
      );
      if (consumed === 'no_jti') return table.token_claims;
      if (consumed === 'replayed') return perAction ? (viaDpop ? entry.viaDpop : entry).spent : table.token_replayed;
    }
    const budget = entry.action.uses;
    if (budget !== undefined) {
      const spent = await spendBudget(
        replayStore as ReplayStore,
        token,
        config.clockTolerance,
        config.replayTimeout,
        entry.action.name,
        budget,
        config.now(),
      );
      if (spent === 'no_jti') return table.token_claims;
      if (spent === 'spent') return (viaDpop ? entry.viaDpop : entry).budgetSpent;
    }
    return undefined;
  }

  return function authorize(
    entry: PreparedAction<N>,
    token: VerifiedToken,
    facts: RequestFacts,
    proof: VerifiedProof | undefined,
  ): Decision<N> | Promise<Decision<N>> {
    const context: CheckContext = { facts, token, action: entry.action, now: config.now() };
    const verdict = runChecks(entry, context);
    const needsAsync =
      entry.action.check !== undefined ||
      entry.action.singleUse ||
      entry.action.uses !== undefined ||
      proof !== undefined;
    if (needsAsync) return authorizeAsync(entry, token, context, verdict, proof);
    return refusalFor(entry, verdict) ?? allow(entry, token);
  };
}
