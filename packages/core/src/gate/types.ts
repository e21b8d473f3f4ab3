/** What the gate answers and the shape of the gate itself. */
import type { ActionSet } from '../actions/index.js';
import type { RefusalCode } from '../challenge/codes.js';
import type { ChallengeRequirement, Refusal } from '../challenge/refusal.js';
import type { RequestFacts } from '../facts.js';
import type { ProtectedResourceMetadata } from '../metadata/index.js';
import type { AccessTokenClaims } from '../verify/index.js';
import type { PreparedAction } from './prepare.js';

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
  /**
   * The same decision as {@link Gate.decide}, returned as it is when nothing had to wait (a
   * cached token, no DPoP proof, no store, no hook): a `Decision`, or a promise of one. For
   * adapters that answer a cached request in the same tick. Never throws or rejects for
   * anything a request carries; an undeclared action name throws `UnknownActionError`.
   */
  decideNow(action: N | PreparedAction<N>, facts: RequestFacts): Decision<N> | Promise<Decision<N>>;
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
