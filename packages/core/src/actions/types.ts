/** The shapes of action declarations and of the actions compiled from them. */
import type { AuthorizationDetailsRequirement } from '../checks/binding.js';
import type { ActionCheck } from '../checks/context.js';
import type { UserAuthenticationRequirement } from '../checks/user-authentication.js';

/**
 * What a token needs to perform one action, as written in {@link defineActions}. Every rule given
 * must hold; a declaration with an unknown key or a malformed scope throws `ConfigurationError`.
 */
export interface ActionDeclaration {
  /** Every one of these scopes is required. `[]` requires only a valid token. */
  readonly scopes?: readonly string[];
  /**
   * Any one of these alternatives suffices: a scope, or a list of scopes that must all be held.
   * List the least privileged first: challenges name the first alternative.
   */
  readonly anyOf?: readonly (string | readonly string[])[];
  /** Free text for documentation and audit; never sent to clients. */
  readonly description?: string;
  /** Most seconds since the token was issued (`iat`); older tokens get 403 and must be renewed. */
  readonly maxTokenAge?: number;
  /** RFC 9470 step-up: acceptable `acr` values and the most seconds since `auth_time`. */
  readonly userAuthentication?: UserAuthenticationRequirement;
  /** RFC 9396: the authorization details entries a request needs, derived from the request. */
  readonly authorizationDetails?: AuthorizationDetailsRequirement;
  /** A rule of the app's own, answered in the gate's vocabulary. */
  readonly check?: ActionCheck;
  /**
   * `true` or `'per-token'`: the token (by `jti`) is good for one allowed request of this
   * action, after which it is refused everywhere with 401 `invalid_token`.
   * `'per-action'`: the token's grant for this action is good for one allowed request (keyed by
   * `jti` and action name); a second gets 403 `insufficient_scope`, and the token keeps working
   * for every other action. For clients that hold one token for many actions (MCP clients).
   */
  readonly singleUse?: boolean | 'per-token' | 'per-action';
  /**
   * Only DPoP-bound tokens (RFC 9449) with a valid proof may perform this action: a `Bearer`
   * request gets 401 with only a `DPoP` challenge (RFC 6750 §3.1). Needs the gate's `dpop` option.
   */
  readonly requireDpop?: boolean;
  /**
   * Also ask the issuer's introspection endpoint (RFC 7662) whether a JWT is still active, so
   * that a token revoked at the authorization server is refused here within the introspection
   * cache's lifetime. Needs `introspection` on every issuer. Opaque tokens are always introspected.
   */
  readonly introspect?: boolean;
  /**
   * A use budget: the token's grant for this action allows `max` requests (counted by `jti` and
   * action name, atomically, in the replay store), and when `within` is given, only for that
   * many seconds from the first of them. Spent, it gets 403 `insufficient_scope` (`budget_spent`)
   * and the token keeps working for every other action, as with `singleUse: 'per-action'`.
   * `{ max: 3, within: 300 }`: one approval covers three requests in the five minutes after the
   * first. Not combined with `singleUse`.
   */
  readonly uses?: UseBudget;
}

/** An action's use budget: see {@link ActionDeclaration.uses}. */
export interface UseBudget {
  /** Requests allowed, a whole number from 1 to 10000. */
  readonly max: number;
  /** Seconds from the first use after which the budget is spent, whatever is left. */
  readonly within?: number;
}

/**
 * An action as {@link defineActions} compiled it: the declaration validated, frozen and turned into
 * sets for per-request lookups.
 */
export interface Action<N extends string = string> {
  readonly name: N;
  readonly description: string | undefined;
  /** Scopes all required. */
  readonly allOf: ReadonlySet<string>;
  /** Alternatives, one of which must be held in full; empty when the action has none. */
  readonly anyOf: readonly ReadonlySet<string>[];
  /**
   * What a challenge names (RFC 6750 §3 `scope`): the complete requirement, with the first
   * alternative of `anyOf` standing for the least privilege.
   */
  readonly challengeScope: readonly string[];
  /** Every scope the declaration mentions, for RFC 9728 `scopes_supported`. */
  readonly scopesUsed: readonly string[];
  readonly maxTokenAge: number | undefined;
  readonly userAuthentication: UserAuthenticationRequirement | undefined;
  readonly authorizationDetails: AuthorizationDetailsRequirement | undefined;
  readonly check: ActionCheck | undefined;
  readonly singleUse: boolean;
  /** What single use consumes: the whole token, or only its grant for this action. */
  readonly singleUsePer: 'token' | 'action';
  /** Whether only DPoP-bound tokens may perform it. */
  readonly requireDpop: boolean;
  /** Whether a JWT is checked at the introspection endpoint too. */
  readonly introspect: boolean;
  /** The action's use budget, if any. */
  readonly uses: UseBudget | undefined;
}

/**
 * The result of {@link defineActions}: the declared action names, typed as a union `N`, so that a
 * misspelt name in `requireAction()` is a type error.
 */
export interface ActionSet<N extends string = string> {
  readonly names: readonly N[];
  /** Whether `name` was declared; narrows an untyped string (a route table, say) to `N`. */
  has(name: string): name is N;
  /** The compiled action; throws `UnknownActionError` for a name never declared. */
  get(name: N): Action<N>;
}
