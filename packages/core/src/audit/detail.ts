/**
 * What an audit event says about a refused token, for the server's logs only: which claim
 * was missing or of the wrong type, and the unverified value that did not match. Nothing
 * here ever reaches a challenge or a response body, which stay fixed text.
 *
 * Every value is sanitised when the detail is made: strings only (a non-string is described
 * by its JSON type, never copied), control and bidirectional-override characters replaced,
 * each string cut to `MAX_DETAIL_CHARS`, each list to `MAX_DETAIL_VALUES`. A log line built
 * from a detail can therefore neither be forged nor made large by a token.
 */

export type RefusalProblem = 'missing' | 'wrong_type' | 'not_accepted';

/**
 * Which claim of a refused token was at fault (a wrong `iss`, `aud` or `typ`, say), for the
 * audit event only: the client gets the fixed description, never this.
 */
export interface RefusalDetail {
  /** The claim, or `typ` for the JOSE header parameter, at fault. */
  readonly claim: string;
  readonly problem: RefusalProblem;
  /**
   * `wrong_type`: the JSON type found (`number`, `array`, …). `not_accepted`: the token's
   * value, unverified and sanitised.
   */
  readonly found?: string | readonly string[];
  /** What this issuer's configuration accepts. */
  readonly expected?: readonly string[];
  /** A likely cause and its fix, e.g. an issuer that differs only by a trailing slash. */
  readonly hint?: string;
}

export const MAX_DETAIL_CHARS = 200;
export const MAX_DETAIL_VALUES = 8;

// C0, DEL, C1, line/paragraph separators, bidirectional embeddings, overrides and isolates.
// biome-ignore lint/suspicious/noControlCharactersInRegex: these are exactly what is removed
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** A string fit for a log line: unsafe characters replaced, at most `MAX_DETAIL_CHARS` long. */
export function sanitizeDetailString(value: string, max = MAX_DETAIL_CHARS): string {
  const cut = value.length > max ? `${value.slice(0, max)}…` : value;
  return cut.replace(UNSAFE, '\uFFFD');
}

/** The JSON type of a value, as a word: `string`, `number`, `boolean`, `null`, `array`, `object`. */
export function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

/**
 * An unverified claim value as the detail may carry it: a string, or a bounded list of the
 * strings in an array; anything else is described by its JSON type in brackets.
 */
export function detailValue(value: unknown): string | readonly string[] {
  if (typeof value === 'string') return sanitizeDetailString(value);
  if (Array.isArray(value)) {
    const shown = value
      .slice(0, MAX_DETAIL_VALUES)
      .map((member) => (typeof member === 'string' ? sanitizeDetailString(member) : `<${jsonType(member)}>`));
    if (value.length > MAX_DETAIL_VALUES) shown.push(`… ${value.length - MAX_DETAIL_VALUES} more`);
    return Object.freeze(shown);
  }
  return `<${jsonType(value)}>`;
}

function bounded(values: readonly string[]): readonly string[] {
  const shown = values.slice(0, MAX_DETAIL_VALUES).map((value) => sanitizeDetailString(value));
  if (values.length > MAX_DETAIL_VALUES) shown.push(`… ${values.length - MAX_DETAIL_VALUES} more`);
  return Object.freeze(shown);
}

/**
 * When the token's value and a configured one differ only by a trailing slash (the usual
 * Auth0 trap: its issuer is `https://tenant.auth0.com/`), says so and which to configure.
 */
export function trailingSlashHint(claim: string, found: unknown, expected: readonly string[]): string | undefined {
  const values = typeof found === 'string' ? [found] : Array.isArray(found) ? found : [];
  for (const value of values.slice(0, MAX_DETAIL_VALUES)) {
    if (typeof value !== 'string') continue;
    for (const configured of expected) {
      if (value === `${configured}/` || configured === `${value}/`) {
        const token = sanitizeDetailString(value);
        return (
          `the token's ${claim} "${token}" differs from the configured "${sanitizeDetailString(configured)}" ` +
          `only by a trailing slash; ${claim} is compared exactly (RFC 9068 §4), so configure "${token}"`
        );
      }
    }
  }
  return undefined;
}

export function missing(claim: string): RefusalDetail {
  return Object.freeze({ claim: sanitizeDetailString(claim), problem: 'missing' });
}

export function wrongType(claim: string, value: unknown, expected?: string): RefusalDetail {
  return Object.freeze({
    claim: sanitizeDetailString(claim),
    problem: 'wrong_type',
    found: jsonType(value),
    ...(expected !== undefined ? { expected: Object.freeze([expected]) } : {}),
  });
}

export function notAccepted(claim: string, found: unknown, expected: readonly string[], hint?: string): RefusalDetail {
  const slash = trailingSlashHint(claim, found, expected);
  const why = slash ?? hint;
  return Object.freeze({
    claim: sanitizeDetailString(claim),
    problem: 'not_accepted',
    found: detailValue(found),
    expected: bounded(expected),
    ...(why !== undefined ? { hint: sanitizeDetailString(why, 3 * MAX_DETAIL_CHARS) } : {}),
  });
}
