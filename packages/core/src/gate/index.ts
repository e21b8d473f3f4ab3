/**
 * The gate: one request in, one decision out. It runs, in the contract's order, extraction
 * (400), verification (401 `invalid_token`, 503), then the action's checks by stage, and emits
 * one audit event. Refusals are precomputed; an ordinary refusal throws nothing.
 */
import type { Action, ActionSet } from '../actions/index.js';
import { type DecisionEvent, emitDecision } from '../audit/index.js';
import { buildCommonRefusals, buildRefusal, type ChallengeOptions, type Refusal } from '../challenge/refusal.js';
import type { RefusalCode } from '../challenge/codes.js';
import { type Check, checksFor } from '../checks/index.js';
import { KeySetUnavailableError, TokenRejectedError } from '../errors.js';
import { extractToken } from '../extract/index.js';
import type { RequestFacts } from '../facts.js';
import { buildMetadata, metadataPathFor, metadataUrlFor, type ProtectedResourceMetadata } from '../metadata/index.js';
import { type AccessTokenClaims, createVerifier, type VerifiedToken } from '../verify/index.js';
import { type GateOptions, normalizeGateOptions } from './options.js';

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

export interface Allow<N extends string = string> {
  readonly allow: true;
  readonly auth: AuthInfo<N>;
}

export type Decision<N extends string = string> = Allow<N> | Refusal;

/** An action resolved once, when a route is declared. */
export interface PreparedAction<N extends string = string> {
  readonly action: Action<N>;
  readonly checks: readonly Check[];
  /** RFC 6750 §3.1 `insufficient_scope`, rendered for this action. */
  readonly insufficientScope: Refusal;
}

export interface Gate<N extends string = string> {
  readonly actions: ActionSet<N>;
  /** Resolves an action name once; throws `UnknownActionError` for a name never declared. */
  prepare(name: N): PreparedAction<N>;
  /** Decides one request. Never rejects: every failure is a refusal (fail closed). */
  decide(action: N | PreparedAction<N>, facts: RequestFacts): Promise<Decision<N>>;
  /** The RFC 9728 document. */
  readonly metadata: ProtectedResourceMetadata;
  /** Where the document is served: the absolute URL (RFC 9728 §3.1) and its path. */
  readonly metadataUrl: string;
  readonly metadataPath: string;
}

function anyOfDescription(action: Action): string {
  if (action.anyOf.length < 2) return 'The access token lacks the scopes this action requires';
  const alternatives = action.anyOf.map((alternative) => [...alternative].join(' + ')).join(' or ');
  return `The access token lacks the scopes this action requires; any one of these suffices: ${alternatives}`;
}

export function createGate<N extends string>(options: GateOptions<N>): Gate<N> {
  const config = normalizeGateOptions(options as GateOptions);
  const { actions } = options;
  const challenge: ChallengeOptions = {
    realm: config.realm,
    resourceMetadata: config.resourceMetadata,
    includeScope: config.includeScope,
    includeDescription: config.includeDescription,
    retryAfter: config.retryAfter,
  };
  const refusals = buildCommonRefusals(challenge);
  const verify = createVerifier(config);
  const prepared = new Map<string, PreparedAction<N>>();

  function prepare(name: N): PreparedAction<N> {
    let entry = prepared.get(name);
    if (entry === undefined) {
      const action = actions.get(name);
      entry = Object.freeze({
        action,
        checks: checksFor(action),
        insufficientScope: buildRefusal('scope_missing', challenge, {
          scope: action.challengeScope,
          description: anyOfDescription(action),
        }),
      });
      prepared.set(name, entry);
    }
    return entry;
  }
  // Render every action's refusals now, so that a bad declaration fails at start-up.
  for (const name of actions.names) prepare(name);

  function refusalFor(
    entry: PreparedAction<N>,
    token: VerifiedToken,
    facts: RequestFacts,
    now: number,
  ): Refusal | undefined {
    const context = { facts, token, action: entry.action, now };
    let authorization = false;
    for (const check of entry.checks) {
      if (check.stage === 'authorization' && check.fallsShort(context)) authorization = true;
    }
    return authorization ? entry.insufficientScope : undefined;
  }

  async function decide(target: N | PreparedAction<N>, facts: RequestFacts): Promise<Decision<N>> {
    const started = performance.now();
    const entry = typeof target === 'string' ? prepare(target) : target;
    let token: VerifiedToken | undefined;
    let decision: Decision<N>;
    let cause: unknown;
    try {
      const extraction = extractToken(facts, config);
      if ('refusal' in extraction) {
        decision = refusals[extraction.refusal];
      } else {
        token = await verify(extraction.token);
        const refusal = refusalFor(entry, token, facts, config.now());
        decision = refusal ?? {
          allow: true,
          auth: { action: entry.action.name, claims: token.claims, scopes: token.scopes, issuer: token.issuer },
        };
      }
    } catch (error) {
      decision = refusals[refusalCodeFor(error)];
      if (!(error instanceof TokenRejectedError)) cause = error;
    }
    if (options.onDecision !== undefined) {
      emitDecision(options.onDecision, auditEvent(entry, facts, decision, token, performance.now() - started, cause));
    }
    return decision;
  }

  const metadataUrl = metadataUrlFor(config.resource);
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
    metadataUrl,
    metadataPath: metadataPathFor(config.resource),
  });
}

function refusalCodeFor(error: unknown): RefusalCode {
  if (error instanceof TokenRejectedError) return error.reason;
  // Fail closed: keys that cannot be had are a 503, anything unexpected a 500; never an allow.
  return error instanceof KeySetUnavailableError ? 'keys_unavailable' : 'internal_error';
}

function auditEvent(
  entry: PreparedAction,
  facts: RequestFacts,
  decision: Decision,
  token: VerifiedToken | undefined,
  durationMs: number,
  cause: unknown,
): DecisionEvent {
  const claims = token?.claims;
  return {
    action: entry.action.name,
    outcome: decision.allow ? 'allow' : 'refuse',
    ...(decision.allow
      ? {}
      : {
          status: decision.status,
          code: decision.code,
          ...(decision.body.error ? { error: decision.body.error } : {}),
        }),
    method: facts.method,
    path: facts.path,
    ...(claims?.sub !== undefined ? { sub: claims.sub } : {}),
    ...(claims?.client_id !== undefined ? { clientId: claims.client_id } : {}),
    ...(claims?.jti !== undefined ? { jti: claims.jti } : {}),
    ...(token !== undefined ? { issuer: token.issuer } : {}),
    requiredScopes: entry.action.challengeScope,
    grantedScopes: token === undefined ? [] : [...token.scopes],
    durationMs,
    ...(cause !== undefined ? { cause } : {}),
  };
}
