/**
 * The gate: one request in, one decision out. It runs, in the contract's order, extraction
 * (400), verification (401 `invalid_token`, 503), revocation (401 `invalid_token`, 503), the
 * action's checks (401 step-up, 403), then single use (401) or the use budget (403), and emits
 * one audit event. Refusals are rendered in advance; an ordinary refusal throws nothing.
 */
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
import { ConfigurationError, TokenRejectedError } from '../errors.js';
import { extractToken } from '../extract/index.js';
import type { RequestFacts } from '../facts.js';
import { buildMetadata, metadataPathFor, metadataUrlFor } from '../metadata/index.js';
import { MemoryReplayStore } from '../replay/memory.js';
import type { ReplayStore } from '../replay/types.js';
import { createRevocationCheck } from '../revocation/check.js';
import { type CachedVerifier, withTokenCache } from '../verify/cache.js';
import { createVerifier, type VerifiedToken, type Verifier } from '../verify/index.js';
import type { Introspector } from '../verify/introspection.js';
import { createIntrospectors, withIntrospection } from '../verify/introspection-dispatch.js';
import { auditEvent } from './audit-event.js';
import { createAuthorize } from './authorize.js';
import { checkBearerBinding, DpopStep, dpopMetadata } from './dpop.js';
import { backoffRefusals, refusalCodeFor } from './failure.js';
import { type GateOptions, normalizeGateOptions } from './options.js';
import { type PreparedAction, prepareAction } from './prepare.js';
import { type RefusalTables, refusalTables } from './tables.js';
import type { Decision, Gate } from './types.js';

export type { PreparedAction } from './prepare.js';
export type { Allow, AuthInfo, Decision, Gate } from './types.js';

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
  const cachedJwt: CachedVerifier | undefined =
    config.tokenCache === false
      ? undefined
      : withTokenCache(createVerifier(config), config.tokenCache, config.now, config.clockTolerance);
  const verifyJwt: Verifier = cachedJwt ?? createVerifier(config);
  // A header equal to a cached token skips the b64token expression (it matched when cached).
  const knownToken = cachedJwt?.knows;
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

  const keysUnavailableRefusal = backoffRefusals(challenge, config.retryAfter);

  function prepare(name: N): PreparedAction<N> {
    return prepared.get(name) ?? prepareAction(actions.get(name), actionChallenge(name)); // `get` throws for unknown names
  }

  const tablesOf = (entry: PreparedAction<N>): RefusalTables =>
    requiresDpop(entry.action.name) ? dpopOnlyTables : gateTables;

  const authorize = createAuthorize<N>({ config, dpop, replayStore, tablesOf });

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
      const extraction = extractToken(facts, config, knownToken);
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
