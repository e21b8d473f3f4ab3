/**
 * Actions: each sensitive operation declared once, with what a token needs to perform it.
 * Declarations are validated and compiled when they are defined, so a typo fails at start-up,
 * and the per-request work is set lookups.
 */
import type { AuthorizationDetailsRequirement } from '../checks/binding.js';
import type { ActionCheck } from '../checks/context.js';
import type { UserAuthenticationRequirement } from '../checks/user-authentication.js';
import { ConfigurationError, UnknownActionError } from '../errors.js';
import { isScopeToken } from './scope-syntax.js';

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

const KNOWN_KEYS = new Set([
  'scopes',
  'anyOf',
  'description',
  'maxTokenAge',
  'userAuthentication',
  'authorizationDetails',
  'check',
  'singleUse',
  'requireDpop',
  'introspect',
  'uses',
]);

/** Each budget's attempts are kept until the token expires: bounded, so a store stays bounded. */
const MAX_USES = 10_000;

function useBudget(option: string, value: unknown, singleUse: unknown): UseBudget | undefined {
  if (value === undefined) return undefined;
  const budget = value as UseBudget;
  if (typeof value !== 'object' || value === null) {
    throw new ConfigurationError(option, 'must be { max: n, within?: seconds }, e.g. { max: 3, within: 300 }');
  }
  for (const key of Object.keys(value)) {
    if (key !== 'max' && key !== 'within') {
      throw new ConfigurationError(`${option}.${key}`, 'is not a known budget option (known: max, within)');
    }
  }
  if (!Number.isInteger(budget.max) || budget.max < 1 || budget.max > MAX_USES) {
    throw new ConfigurationError(`${option}.max`, `must be a whole number from 1 to ${MAX_USES}`);
  }
  if (budget.within !== undefined && (!Number.isInteger(budget.within) || budget.within < 1)) {
    throw new ConfigurationError(`${option}.within`, 'must be a whole number of seconds, 1 or more');
  }
  if (singleUse !== undefined && singleUse !== false) {
    throw new ConfigurationError(
      option,
      'cannot be combined with singleUse: use singleUse alone, or uses: { max: 1 } for a budget of one',
    );
  }
  return Object.freeze({ max: budget.max, ...(budget.within === undefined ? {} : { within: budget.within }) });
}
// RFC 9470 §3 acr_values: space-separated, so one value has no space; it is rendered in a
// challenge, so RFC 6750 §3's characters only.
const ACR_VALUE = /^[\x21\x23-\x5B\x5D-\x7E]+$/;

function seconds(option: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    throw new ConfigurationError(option, 'must be a whole number of seconds, 0 or more');
  }
  return value;
}

function optionalFunction<F>(option: string, value: F | undefined): F | undefined {
  if (value !== undefined && typeof value !== 'function') throw new ConfigurationError(option, 'must be a function');
  return value;
}

function userAuthentication(option: string, value: unknown): UserAuthenticationRequirement | undefined {
  if (value === undefined) return undefined;
  const requirement = value as UserAuthenticationRequirement;
  if (typeof value !== 'object' || value === null || !Array.isArray(requirement.acrValues)) {
    throw new ConfigurationError(option, "must be { acrValues: ['urn:…'], maxAge?: seconds }");
  }
  if (requirement.acrValues.length === 0)
    throw new ConfigurationError(`${option}.acrValues`, 'must list at least one value');
  for (const [i, acr] of requirement.acrValues.entries()) {
    if (typeof acr !== 'string' || !ACR_VALUE.test(acr)) {
      throw new ConfigurationError(`${option}.acrValues[${i}]`, 'must be printable ASCII without spaces, `"` or `\\`');
    }
  }
  const maxAge = seconds(`${option}.maxAge`, requirement.maxAge);
  return Object.freeze({
    acrValues: Object.freeze([...requirement.acrValues]),
    ...(maxAge === undefined ? {} : { maxAge }),
  });
}

function requireDpop(option: string, value: unknown): boolean {
  if (value !== undefined && typeof value !== 'boolean') throw new ConfigurationError(option, 'must be true or false');
  return value === true;
}

function scopeList(option: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new ConfigurationError(option, 'must be an array of scope strings');
  for (const [i, scope] of value.entries()) {
    if (!isScopeToken(scope)) {
      throw new ConfigurationError(
        `${option}[${i}]`,
        'is not a valid scope: use printable ASCII without spaces, `"` or `\\` (RFC 6749 §3.3)',
      );
    }
  }
  return [...new Set(value as string[])];
}

function compile<N extends string>(name: N, declaration: ActionDeclaration): Action<N> {
  const at = `actions.${name}`;
  if (typeof declaration !== 'object' || declaration === null) {
    throw new ConfigurationError(at, 'must be an object such as { scopes: ["invoices:read"] }');
  }
  for (const key of Object.keys(declaration)) {
    if (!KNOWN_KEYS.has(key)) {
      throw new ConfigurationError(
        `${at}.${key}`,
        `is not a known action option (known: ${[...KNOWN_KEYS].join(', ')})`,
      );
    }
  }
  if (declaration.scopes === undefined && declaration.anyOf === undefined) {
    // Fail safe: a forgotten requirement must not silently mean "any valid token".
    throw new ConfigurationError(`${at}.scopes`, 'is missing: declare scopes: [] to require only a valid token');
  }
  const allOf = declaration.scopes === undefined ? [] : scopeList(`${at}.scopes`, declaration.scopes);
  const anyOf: string[][] = [];
  if (declaration.anyOf !== undefined) {
    if (!Array.isArray(declaration.anyOf) || declaration.anyOf.length === 0) {
      throw new ConfigurationError(`${at}.anyOf`, 'must be a non-empty array of alternatives');
    }
    for (const [i, alternative] of declaration.anyOf.entries()) {
      const scopes = scopeList(`${at}.anyOf[${i}]`, typeof alternative === 'string' ? [alternative] : alternative);
      if (scopes.length === 0) throw new ConfigurationError(`${at}.anyOf[${i}]`, 'must name at least one scope');
      anyOf.push(scopes);
    }
  }
  if (declaration.description !== undefined && typeof declaration.description !== 'string') {
    throw new ConfigurationError(`${at}.description`, 'must be a string');
  }
  const challengeScope = [...new Set([...allOf, ...(anyOf[0] ?? [])])];
  const singleUse = declaration.singleUse;
  if (
    singleUse !== undefined &&
    typeof singleUse !== 'boolean' &&
    singleUse !== 'per-token' &&
    singleUse !== 'per-action'
  ) {
    throw new ConfigurationError(`${at}.singleUse`, "must be true, false, 'per-token' or 'per-action'");
  }
  if (declaration.introspect !== undefined && typeof declaration.introspect !== 'boolean')
    throw new ConfigurationError(`${at}.introspect`, 'must be true or false');
  return Object.freeze({
    name,
    description: declaration.description,
    allOf: new Set(allOf),
    anyOf: anyOf.map((alternative) => new Set(alternative)),
    challengeScope: Object.freeze(challengeScope),
    scopesUsed: Object.freeze([...new Set([...allOf, ...anyOf.flat()])]),
    maxTokenAge: seconds(`${at}.maxTokenAge`, declaration.maxTokenAge),
    userAuthentication: userAuthentication(`${at}.userAuthentication`, declaration.userAuthentication),
    authorizationDetails: optionalFunction(`${at}.authorizationDetails`, declaration.authorizationDetails),
    check: optionalFunction(`${at}.check`, declaration.check),
    singleUse: singleUse === true || singleUse === 'per-token' || singleUse === 'per-action',
    singleUsePer: singleUse === 'per-action' ? 'action' : 'token',
    requireDpop: requireDpop(`${at}.requireDpop`, declaration.requireDpop),
    introspect: declaration.introspect === true,
    uses: useBudget(`${at}.uses`, declaration.uses, singleUse),
  });
}

/**
 * Declares the API's actions once. The returned set types `requireAction()` so that only
 * declared names compile.
 *
 * @example
 * const actions = defineActions({
 *   'invoices.read': { scopes: ['invoices:read'] },
 *   'invoices.export': { anyOf: ['invoices:export', 'invoices:admin'] },
 * });
 */
export function defineActions<const D extends Record<string, ActionDeclaration>>(
  declarations: D,
): ActionSet<Extract<keyof D, string>> {
  type N = Extract<keyof D, string>;
  if (typeof declarations !== 'object' || declarations === null) {
    throw new ConfigurationError('actions', 'must be an object mapping action names to declarations');
  }
  const compiled = new Map<string, Action<N>>();
  for (const name of Object.keys(declarations) as N[]) {
    if (name.length === 0) throw new ConfigurationError('actions', 'has an action with an empty name');
    compiled.set(name, compile(name, declarations[name] as ActionDeclaration));
  }
  if (compiled.size === 0) throw new ConfigurationError('actions', 'declares no action');
  const names = Object.freeze([...compiled.keys()] as N[]);
  return Object.freeze({
    names,
    has: (name: string): name is N => compiled.has(name),
    get(name: N): Action<N> {
      const action = compiled.get(name);
      if (action === undefined) throw new UnknownActionError(String(name), names);
      return action;
    },
  });
}
