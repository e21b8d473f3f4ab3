/**
 * The gate: one request in, one decision out. It runs, in the contract's order, extraction
 * (400), verification (401 `invalid_token`, 503), revocation (401 `invalid_token`, 503), the
 * action's checks (401 step-up, 403), then single use (401) or the use budget (403), and emits
 * one audit event. Refusals are rendered in advance; an ordinary refusal throws nothing.
 */
import type { ActionSet } from '../actions/index.js';
import type { RefusalDetail } from '../audit/detail.js';
import { emitDecision } from '../audit/index.js';
import type { RefusalCode } from '../challenge/codes.js';
import {
  buildRefusal,
  type ChallengeOptions,
  type ChallengeRequirement,
  type ChallengeSchemes,
  type Refusal,
} from '../challenge/refusal.js';
import type { CheckContext } from '../checks/index.js';
import type { VerifiedProof } from '../dpop/proof.js';
import type { ProofUse } from '../dpop/replay.js';
import {
  ConfigurationError,
  IntrospectionUnavailableError,
  KeySetUnavailableError,
  ReplayStoreUnavailableError,
  RevocationUnavailableError,
  TokenRejectedError,
} from '../errors.js';
import { extractToken } from '../extract/index.js';
import type { RequestFacts } from '../facts.js';
import { buildMetadata, metadataPathFor, metadataUrlFor, type ProtectedResourceMetadata } from '../metadata/index.js';
import { MemoryReplayStore } from '../replay/memory.js';
import type { ReplayStore } from '../replay/types.js';
import { createRevocationCheck } from '../revocation/check.js';
import { withTokenCache } from '../verify/cache.js';
import { type AccessTokenClaims, createVerifier, type VerifiedToken, type Verifier } from '../verify/index.js';
import type { Introspector } from '../verify/introspection.js';
import { createIntrospectors, withIntrospection } from '../verify/introspection-dispatch.js';
import { auditEvent } from './audit-event.js';
import { checkBearerBinding, DpopStep, dpopMetadata } from './dpop.js';
import { refusalFor, runChecks, runContextCheck, type Verdict } from './evaluate.js';
import { type GateOptions, normalizeGateOptions } from './options.js';
import { type PreparedAction, prepareAction } from './prepare.js';
import { consumeToken, spendBudget } from './single-use.js';
import { type RefusalTables, refusalTables } from './tables.js';

export type { PreparedAction } from './prepare.js';

/** What an allowed request carries on to the handler (`req.auth`, `ctx.state.auth`). */
export interface AuthInfo<N extends string = string> {
  /** The action that was allowed. */
  readonly action: N;
  /** The verified claims of the access token. */
  readonly claims: AccessTokenClaims;
  /** The token's scopes. */
  readonly scopes: ReadonlySet<string>;
  /** The issuer the token was verified against. */
  readonly issuer: string;
}

/** An allowed request, with who is asking and what they hold. */
export interface Allow<N extends string = string> {
  readonly allow: true;
  readonly auth: AuthInfo<N>;
  /**
   * Response headers to send with the handler's answer, names in lowercase: `dpop-nonce` when
   * the DPoP nonce rotated (RFC 9449 §9). Absent when there are none.
   */
  readonly headers?: Readonly<Record<string, string>>;
}

/** What {@link Gate.decide} answers: an {@link Allow} or a {@link Refusal}, told apart by `allow`. */
export type Decision<N extends string = string> = Allow<N> | Refusal;

/**
 * The framework-independent decision point that the Express and Koa adapters wrap: one per
 * protected resource, created by {@link createGate}.
 */
export interface Gate<N extends string = string> {
  readonly actions: ActionSet<N>;
  /** Resolves an action name once; throws `UnknownActionError` for a name never declared. */
  prepare(name: N): PreparedAction<N>;
  /**
   * Decides one request. Never rejects for anything a request carries: every failure is a
   * refusal (fail closed). Only an undeclared action name rejects, with `UnknownActionError`.
   */
  decide(action: N | PreparedAction<N>, facts: RequestFacts): Promise<Decision<N>>;
  /** The RFC 9728 document. */
  readonly metadata: ProtectedResourceMetadata;
  /** Where the document is served: the absolute URL (RFC 9728 §3.1) and its path. */
  readonly metadataUrl: string;
  readonly metadataPath: string;
  /**
   * Renders a refusal with this gate's challenge options (`realm`, `resource_metadata`,
   * descriptions), for integrations whose clients need another challenge than the gate's own,
   * such as MCP clients, which step up by scope only. Render once, at start-up, and reuse.
   */
  renderRefusal(code: RefusalCode, requirement?: ChallengeRequirement): Refusal;
}

function refusalCodeFor(error: unknown): RefusalCode {
  if (error instanceof TokenRejectedError) return error.reason;
  // Fail closed: what cannot be checked is a 503, anything unexpected a 500; never an allow.
  if (error instanceof KeySetUnavailableError) return 'keys_unavailable';
  if (error instanceof IntrospectionUnavailableError) return 'introspection_unavailable';
  if (error instanceof ReplayStoreUnavailableError) return 'replay_store_unavailable';
  if (error instanceof RevocationUnavailableError) return 'revocation_unavailable';
  return 'internal_error';
}

/**
 * Creates the gate for one resource. Every option is validated now, so a mistake fails at
 * start-up rather than on a request.
 *
 * @throws ConfigurationError naming the option at fault and the fix.
 */
export function createGate<N extends string>(options: GateOptions<N>): Gate<N> {
  const config = normalizeGateOptions(options as GateOptions);
  const { actions } = options;
  const dpop = config.dpop === undefined ? undefined : new DpopStep(config.dpop, config.now);
  const gateSchemes: ChallengeSchemes =
    config.dpop === undefined ? 'bearer' : config.dpop.accept === 'only' ? 'dpop' : 'both';
  const challenge: ChallengeOptions = { ...config, schemes: gateSchemes, dpopAlgs: config.dpop?.algs };
  // RFC 9449 §7.1: a DPoP-only action offers only the DPoP challenge.
  const gateTables = refusalTables(challenge, gateSchemes);
  const dpopOnlyTables =
    gateSchemes === 'bearer' || gateSchemes === 'dpop' ? gateTables : refusalTables(challenge, 'dpop');
  const requiresDpop = (name: N) => gateSchemes === 'dpop' || actions.get(name).requireDpop;
  const actionChallenge = (name: N): ChallengeOptions =>
    requiresDpop(name) ? { ...challenge, schemes: 'dpop' } : challenge;
  for (const name of actions.names) {
    if (actions.get(name).requireDpop && dpop === undefined) {
      throw new ConfigurationError(
        `actions.${name}.requireDpop`,
        'needs DPoP accepted by the gate: set the gate option dpop: true (or { ... }, see docs/configuration.md)',
      );
    }
  }
  const verifyJwt =
    config.tokenCache === false
      ? createVerifier(config)
      : withTokenCache(createVerifier(config), config.tokenCache, config.now, config.clockTolerance);
  // Introspection keeps its own cache, keyed by a hash of the token, with its own lifetimes.
  const introspectors = createIntrospectors(config);
  const opaque = [...introspectors.values()][0];
  const verify: Verifier =
    opaque === undefined ? verifyJwt : withIntrospection(verifyJwt, opaque, config.maxTokenBytes);
  for (const name of actions.names) {
    if (!actions.get(name).introspect) continue;
    const without = config.issuers.findIndex((issuer) => issuer.introspection === undefined);
    if (without !== -1)
      throw new ConfigurationError(
        `actions.${name}.introspect`,
        `needs introspection on every issuer, and issuers[${without}] has none: set issuers[${without}].introspection ` +
          "(the authorization server's introspection endpoint and this resource's client credentials)",
      );
  }
  const prepared = new Map<string, PreparedAction<N>>();
  // Every action is prepared now, so that a bad declaration fails at start-up.
  for (const name of actions.names) prepared.set(name, prepareAction(actions.get(name), actionChallenge(name)));
  // DPoP proofs are single use too (RFC 9449 §11.1); use budgets are counted in the same store.
  const needsReplayStore =
    dpop !== undefined ||
    actions.names.some((name) => actions.get(name).singleUse || actions.get(name).uses !== undefined);
  const replayStore: ReplayStore | undefined = needsReplayStore
    ? (config.replayStore ?? new MemoryReplayStore({ now: config.now }))
    : undefined;
  const budgeted = actions.names.find((name) => actions.get(name).uses !== undefined);
  if (budgeted !== undefined && typeof replayStore?.spend !== 'function') {
    throw new ConfigurationError(
      'replayStore',
      `must have a spend(key, use) method: action ${budgeted} declares uses (MemoryReplayStore and RedisReplayStore have it)`,
    );
  }
  // Runs on every request, after the (possibly cached) verification: see revocation/check.ts.
  const isRevoked = createRevocationCheck({
    store: config.revocation,
    hook: config.isRevoked,
    timeout: config.revocationTimeout,
    grantIdClaim: config.grantIdClaim,
  });

  // A key set or an introspection endpoint in backoff answers with the seconds left when longer
  // than `retryAfter` (RFC 9110 §10.2.3); each value is rendered once, and backoff is capped, so
  // this stays small.
  const unavailable = new Map<string, Refusal>();
  function keysUnavailableRefusal(error: unknown): Refusal | undefined {
    const code =
      error instanceof KeySetUnavailableError
        ? 'keys_unavailable'
        : error instanceof IntrospectionUnavailableError
          ? 'introspection_unavailable'
          : undefined;
    const retryAfter = (error as { retryAfter?: number }).retryAfter;
    if (code === undefined || retryAfter === undefined || retryAfter <= config.retryAfter) return undefined;
    let refusal = unavailable.get(`${code} ${retryAfter}`);
    if (refusal === undefined && unavailable.size < 1024) {
      refusal = buildRefusal(code, { ...challenge, retryAfter });
      unavailable.set(`${code} ${retryAfter}`, refusal);
    }
    return refusal;
  }

  function prepare(name: N): PreparedAction<N> {
    return prepared.get(name) ?? prepareAction(actions.get(name), actionChallenge(name)); // `get` throws for unknown names
  }

  const tablesOf = (entry: PreparedAction<N>): RefusalTables =>
    requiresDpop(entry.action.name) ? dpopOnlyTables : gateTables;

  function allow(entry: PreparedAction<N>, token: VerifiedToken, headers?: Readonly<Record<string, string>>): Allow<N> {
    const auth = { action: entry.action.name, claims: token.claims, scopes: token.scopes, issuer: token.issuer };
    return headers === undefined ? { allow: true, auth } : { allow: true, auth, headers };
  }

  async function authorizeAsync(
    entry: PreparedAction<N>,
    token: VerifiedToken,
    context: CheckContext,
    verdict: Verdict,
    proof: VerifiedProof | undefined,
  ) {
    if (entry.action.check !== undefined) await runContextCheck(entry, context, verdict);
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

  /** Synchronous unless the action has a context hook or is single use, or the request used DPoP. */
  function authorize(
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
  }

  async function decide(target: N | PreparedAction<N>, facts: RequestFacts): Promise<Decision<N>> {
    const hook = options.onDecision;
    const started = hook === undefined ? 0 : performance.now();
    let entry: PreparedAction<N>;
    let token: VerifiedToken | undefined;
    let decision: Decision<N>;
    let cause: unknown;
    let detail: RefusalDetail | undefined;
    let viaDpop = false;
    try {
      entry = typeof target === 'string' ? prepare(target) : target;
      const extraction = extractToken(facts, config);
      viaDpop = extraction.scheme === 'dpop';
      if ('refusal' in extraction) decision = tablesOf(entry)[viaDpop ? 'dpop' : 'bearer'][extraction.refusal];
      else if (!viaDpop && requiresDpop(entry.action.name)) {
        // RFC 6750 §3.1: Bearer is not a method this action supports; only the DPoP challenge.
        decision = dpopOnlyTables.bearer.dpop_required;
      } else {
        // RFC 9449 §4.3 before the token: a request without a valid proof is refused whatever it carries.
        const proof = viaDpop && dpop !== undefined ? await dpop.proof(facts, extraction.token) : undefined;
        const verified = verify(extraction.token);
        token = verified instanceof Promise ? await verified : verified;
        if (proof === undefined) checkBearerBinding(token);
        else dpop?.checkBinding(token, proof);
        // A revocation check for chosen actions: the JWT verified, is it still active?
        if (entry.action.introspect && token.introspected !== true)
          await (introspectors.get(token.issuer) as Introspector).checkActive(extraction.token); // every issuer has one
        if (isRevoked !== undefined && (await isRevoked(token))) {
          decision = tablesOf(entry)[viaDpop ? 'dpop' : 'bearer'].token_revoked;
        } else {
          const authorized = authorize(entry, token, facts, proof);
          decision = authorized instanceof Promise ? await authorized : authorized;
        }
      }
    } catch (error) {
      if (typeof target === 'string' && !prepared.has(target)) throw error; // an undeclared name is a programming error
      entry = typeof target === 'string' ? (prepared.get(target) as PreparedAction<N>) : target;
      const code = refusalCodeFor(error);
      decision = keysUnavailableRefusal(error) ?? tablesOf(entry)[viaDpop ? 'dpop' : 'bearer'][code];
      if (code === 'dpop_nonce_required' && dpop !== undefined) decision = await dpop.withNonce(decision as Refusal);
      if (error instanceof TokenRejectedError) detail = error.detail;
      else cause = error;
    }
    if (hook !== undefined) {
      emitDecision(hook, auditEvent(entry, facts, decision, token, performance.now() - started, cause, detail));
    }
    return decision;
  }

  return Object.freeze({
    actions,
    prepare,
    decide,
    metadata: buildMetadata({
      resource: config.resource,
      authorizationServers: config.issuers.map((issuer) => issuer.issuer),
      scopesSupported: actions.names.flatMap((name) => actions.get(name).scopesUsed),
      bearerMethods: [
        'header',
        ...(config.allowBodyToken ? ['body'] : []),
        ...(config.allowQueryToken ? ['query'] : []),
      ],
      extra: config.dpop === undefined ? options.metadata : { ...dpopMetadata(config.dpop), ...options.metadata },
    }),
    metadataUrl: metadataUrlFor(config.resource),
    metadataPath: metadataPathFor(config.resource),
    renderRefusal: (code: RefusalCode, requirement?: ChallengeRequirement) =>
      buildRefusal(code, challenge, requirement),
  });
}
