/**
 * The gate: one request in, one decision out. It runs, in the contract's order, extraction
 * (400), verification (401 `invalid_token`, 503), revocation (401 `invalid_token`, 503), the
 * action's checks (401 step-up, 403), then single use (401) or the use budget (403), and emits
 * one audit event. Refusals are rendered in advance; an ordinary refusal throws nothing.
 */
import type { RefusalCode } from '../challenge/codes.js';
import {
  buildRefusal,
  type ChallengeOptions,
  type ChallengeRequirement,
  type ChallengeSchemes,
} from '../challenge/refusal.js';
import { ConfigurationError } from '../errors.js';
import type { RequestFacts } from '../facts.js';
import { buildMetadata, metadataPathFor, metadataUrlFor } from '../metadata/index.js';
import { MemoryReplayStore } from '../replay/memory.js';
import type { ReplayStore } from '../replay/types.js';
import { createRevocationCheck } from '../revocation/check.js';
import { type CachedVerifier, withTokenCache } from '../verify/cache.js';
import { createVerifier, type Verifier } from '../verify/index.js';
import { createIntrospectors, withIntrospection } from '../verify/introspection-dispatch.js';
import { createAuthorize } from './authorize.js';
import { createDecideNow } from './decide.js';
import { DpopStep, dpopMetadata } from './dpop.js';
import { backoffRefusals } from './failure.js';
import { type GateOptions, normalizeGateOptions } from './options.js';
import { type PreparedAction, prepareAction } from './prepare.js';
import { type RefusalTables, refusalTables } from './tables.js';
import type { Gate } from './types.js';

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

  const decideNow = createDecideNow<N>({
    config,
    onDecision: options.onDecision,
    knownToken,
    verify,
    dpop,
    introspectors,
    isRevoked,
    authorize,
    requiresDpop,
    tablesOf,
    dpopOnlyTables,
    backoffRefusal: keysUnavailableRefusal,
  });

  // `prepare` throws for an undeclared name: synchronously here, as a rejection from `decide`.
  const decideTarget = (target: N | PreparedAction<N>, facts: RequestFacts) =>
    decideNow(typeof target === 'string' ? prepare(target) : target, facts);
  return Object.freeze({
    actions,
    prepare,
    decideNow: decideTarget,
    decide: async (target: N | PreparedAction<N>, facts: RequestFacts) => decideTarget(target, facts),
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
