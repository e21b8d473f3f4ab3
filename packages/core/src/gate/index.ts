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
  buildCommonRefusals,
  buildRefusal,
  type ChallengeOptions,
  type ChallengeRequirement,
  type Refusal,
} from '../challenge/refusal.js';
import type { CheckContext } from '../checks/index.js';
import {
  ConfigurationError,
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
import { type AccessTokenClaims, createVerifier, type VerifiedToken } from '../verify/index.js';
import { auditEvent } from './audit-event.js';
import { refusalFor, runChecks, runContextCheck, type Verdict } from './evaluate.js';
import { type GateOptions, normalizeGateOptions } from './options.js';
import { type PreparedAction, prepareAction } from './prepare.js';
import { consumeToken, spendBudget } from './single-use.js';

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
  const challenge: ChallengeOptions = config;
  const refusals = buildCommonRefusals(challenge);
  const verify =
    config.tokenCache === false
      ? createVerifier(config)
      : withTokenCache(createVerifier(config), config.tokenCache, config.now, config.clockTolerance);
  const prepared = new Map<string, PreparedAction<N>>();
  // Every action is prepared now, so that a bad declaration fails at start-up.
  for (const name of actions.names) prepared.set(name, prepareAction(actions.get(name), challenge));
  const needsReplayStore = actions.names.some((name) => actions.get(name).singleUse || actions.get(name).uses);
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

  // A key set in backoff answers with the seconds left when longer than `retryAfter`
  // (RFC 9110 §10.2.3); each value is rendered once, and backoff is capped, so this stays small.
  const keysUnavailable = new Map<number, Refusal>();
  function keysUnavailableRefusal(error: unknown): Refusal | undefined {
    if (!(error instanceof KeySetUnavailableError) || error.retryAfter === undefined) return undefined;
    if (error.retryAfter <= config.retryAfter) return undefined;
    let refusal = keysUnavailable.get(error.retryAfter);
    if (refusal === undefined && keysUnavailable.size < 1024) {
      refusal = buildRefusal('keys_unavailable', { ...challenge, retryAfter: error.retryAfter });
      keysUnavailable.set(error.retryAfter, refusal);
    }
    return refusal;
  }

  function prepare(name: N): PreparedAction<N> {
    return prepared.get(name) ?? prepareAction(actions.get(name), challenge); // `get` throws for unknown names
  }

  function allow(entry: PreparedAction<N>, token: VerifiedToken): Allow<N> {
    return {
      allow: true,
      auth: { action: entry.action.name, claims: token.claims, scopes: token.scopes, issuer: token.issuer },
    };
  }

  async function authorizeAsync(
    entry: PreparedAction<N>,
    token: VerifiedToken,
    context: CheckContext,
    verdict: Verdict,
  ) {
    if (entry.action.check !== undefined) await runContextCheck(entry, context, verdict);
    const refusal = refusalFor(entry, verdict);
    if (refusal !== undefined) return refusal;
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
      if (consumed === 'no_jti') return refusals.token_claims;
      if (consumed === 'replayed') return perAction ? entry.spent : refusals.token_replayed;
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
      if (spent === 'no_jti') return refusals.token_claims;
      if (spent === 'spent') return entry.budgetSpent;
    }
    return allow(entry, token);
  }

  /** Synchronous unless the action has a context hook or is single use. */
  function authorize(
    entry: PreparedAction<N>,
    token: VerifiedToken,
    facts: RequestFacts,
  ): Decision<N> | Promise<Decision<N>> {
    const context: CheckContext = { facts, token, action: entry.action, now: config.now() };
    const verdict = runChecks(entry, context);
    if (entry.action.check !== undefined || entry.action.singleUse || entry.action.uses !== undefined)
      return authorizeAsync(entry, token, context, verdict);
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
    try {
      entry = typeof target === 'string' ? prepare(target) : target;
      const extraction = extractToken(facts, config);
      if ('refusal' in extraction) decision = refusals[extraction.refusal];
      else {
        const verified = verify(extraction.token);
        token = verified instanceof Promise ? await verified : verified;
        if (isRevoked !== undefined && (await isRevoked(token))) decision = refusals.token_revoked;
        else {
          const authorized = authorize(entry, token, facts);
          decision = authorized instanceof Promise ? await authorized : authorized;
        }
      }
    } catch (error) {
      if (typeof target === 'string' && !prepared.has(target)) throw error; // an undeclared name is a programming error
      entry = typeof target === 'string' ? (prepared.get(target) as PreparedAction<N>) : target;
      decision = keysUnavailableRefusal(error) ?? refusals[refusalCodeFor(error)];
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
      extra: options.metadata,
    }),
    metadataUrl: metadataUrlFor(config.resource),
    metadataPath: metadataPathFor(config.resource),
    renderRefusal: (code: RefusalCode, requirement?: ChallengeRequirement) =>
      buildRefusal(code, challenge, requirement),
  });
}
