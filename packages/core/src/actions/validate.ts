/**
 * Declaration validation: each declaration checked and compiled into an {@link Action} when it
 * is defined, so a typo fails at start-up with the option at fault and the fix.
 */
import type { UserAuthenticationRequirement } from '../checks/user-authentication.js';
import { ConfigurationError } from '../errors.js';
import { isScopeToken } from './scope-syntax.js';
import type { Action, ActionDeclaration, UseBudget } from './types.js';

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

/** Validates one declaration and compiles it; throws `ConfigurationError` naming the option. */
export function compile<N extends string>(name: N, declaration: ActionDeclaration): Action<N> {
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
    // Read once, when a gate prepares the action: the declaration is not meant to change after.
    anyOf: Object.freeze(anyOf.map((alternative) => new Set(alternative))),
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
