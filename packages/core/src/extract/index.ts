/**
 * Bearer token extraction, RFC 6750 §2.
 *
 * Only the Authorization header method (§2.1) is on by default. The form-body (§2.2) and query
 * (§2.3) methods must be enabled explicitly; while they are off, a request that carries
 * `access_token` there is refused with 400 `invalid_request`, never silently ignored, so a
 * client that leaks tokens into URLs or bodies finds out at once.
 */
import type { RefusalCode } from '../challenge/codes.js';
import type { RequestFacts } from '../facts.js';
import { startsWithIgnoringCase } from './ascii-case.js';

/** Which RFC 6750 §2 methods besides the Authorization header are accepted. */
export interface ExtractOptions {
  /** RFC 6750 §2.2: accept `access_token` in a form-encoded body. Default false. */
  readonly allowBodyToken: boolean;
  /** RFC 6750 §2.3: accept `access_token` in the query string. Default false. */
  readonly allowQueryToken: boolean;
  /** RFC 9449 §7.1: accept `Authorization: DPoP <token>`. Default false: DPoP counts as another scheme. */
  readonly acceptDpop?: boolean;
}

/**
 * The access token of a request, or the refusal code for a request that carries none or a
 * malformed one. `scheme` is `dpop` when the token came as `Authorization: DPoP` (RFC 9449 §7.1),
 * so that the refusal's `error` goes in the DPoP challenge.
 */
export type Extraction =
  | { readonly token: string; readonly scheme?: 'dpop' }
  | { readonly refusal: RefusalCode; readonly scheme?: 'dpop' };

// RFC 6750 §2.1: b64token = 1*( ALPHA / DIGIT / "-" / "." / "_" / "~" / "+" / "/" ) *"="
const B64TOKEN = /^[A-Za-z0-9\-._~+/]+=*$/;
/** Whether a string is an RFC 6750 §2.1 b64token. */
export const isB64token = (value: string): boolean => B64TOKEN.test(value);
// RFC 9110 §11.1: auth-scheme = token (§5.6.2: 1*tchar), compared case-insensitively.
const AUTH_SCHEME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

const MISSING = Object.freeze({ refusal: 'token_missing' as const });
const DPOP_MALFORMED = Object.freeze({ refusal: 'dpop_authorization_malformed' as const, scheme: 'dpop' as const });
const DPOP_MULTIPLE = Object.freeze({ refusal: 'token_methods_multiple' as const, scheme: 'dpop' as const });
const refuse = (refusal: RefusalCode): Extraction => ({ refusal });

/**
 * Whether the Authorization value's scheme, the characters before `space` (the first space, or -1
 * for none), is `scheme` (lowercase), compared case-insensitively (RFC 9110 §11.1) and in place:
 * a request's header is a new string each time, and no part of it needs to be copied.
 */
const isScheme = (header: string, space: number, scheme: string): boolean =>
  (space === -1 ? header.length : space) === scheme.length && startsWithIgnoringCase(header, scheme);

/** What follows the scheme and its spaces (RFC 6750 §2.1: 1*SP), or '' when nothing does. */
function credentialsAfter(header: string, space: number): string {
  if (space === -1) return '';
  let start = space + 1;
  while (header.charCodeAt(start) === 0x20) start++;
  return header.slice(start);
}

/** RFC 6750 §2.1 syntax, or a string the caller already knows to have it. */
const isHeaderToken = (credentials: string, known: ((credentials: string) => boolean) | undefined): boolean =>
  known?.(credentials) === true || B64TOKEN.test(credentials);

/** Present when the framework parsed a value at all, including an empty string. */
const isPresent = (value: unknown): boolean => value !== undefined && value !== null;

/** A single, syntactically valid token from a query or body parameter, or `undefined`. */
function parameterToken(value: unknown): string | undefined {
  return typeof value === 'string' && B64TOKEN.test(value) ? value : undefined;
}

/**
 * The `access_token` member of a query or body as a framework parsed it (RFC 6750 §2.2,
 * §2.3), read as an own property only, so that nothing on a prototype can pose as one.
 */
export function accessTokenParameter(container: unknown): unknown {
  return typeof container === 'object' && container !== null && Object.hasOwn(container, 'access_token')
    ? (container as { access_token?: unknown }).access_token
    : undefined;
}

/**
 * Finds the one bearer token a request carries (RFC 6750 §2). Never throws: a missing token,
 * a repeated or malformed Authorization header, more than one method, or a disabled method is
 * a refusal code. Another scheme (Basic, DPoP) in the header counts as no bearer token.
 *
 * `known`, if given, vouches for strings already seen to be b64tokens (the verified-token
 * cache's whole tokens): for those the expression is skipped. Only the work is saved: every
 * other string is checked, in the same order, so every refusal stays what it was.
 */
export function extractToken(
  facts: RequestFacts,
  options: ExtractOptions,
  known?: (credentials: string) => boolean,
): Extraction {
  let header = facts.authorization;
  if (Array.isArray(header)) {
    if (header.length > 1) return refuse('authorization_repeated');
    header = header[0];
  }

  const inQuery = isPresent(facts.queryAccessToken);
  const inBody = isPresent(facts.bodyAccessToken);
  if ((inQuery && !options.allowQueryToken) || (inBody && !options.allowBodyToken)) {
    const refusal = inQuery && !options.allowQueryToken ? 'token_in_query' : 'token_in_body';
    return options.acceptDpop === true && typeof header === 'string' && isScheme(header, header.indexOf(' '), 'dpop')
      ? { refusal, scheme: 'dpop' }
      : refuse(refusal);
  }

  let headerToken: string | undefined;
  let dpop = false;
  if (typeof header === 'string') {
    const space = header.indexOf(' ');
    if (isScheme(header, space, 'bearer')) {
      // RFC 6750 §2.1: "Bearer" 1*SP b64token; a bare "Bearer" carries an empty token.
      const credentials = credentialsAfter(header, space);
      if (!isHeaderToken(credentials, known)) return refuse('authorization_malformed');
      headerToken = credentials;
    } else if (options.acceptDpop === true && isScheme(header, space, 'dpop')) {
      // RFC 9449 §7.1: "DPoP" 1*SP token68, the same characters as RFC 6750's b64token.
      dpop = true;
      const credentials = credentialsAfter(header, space);
      if (!isHeaderToken(credentials, known)) return DPOP_MALFORMED;
      headerToken = credentials;
    } else if (!AUTH_SCHEME.test(space === -1 ? header : header.slice(0, space))) {
      // Empty, control characters, a comma-joined list, non-ASCII…
      return refuse('authorization_malformed');
    }
    // Otherwise another scheme (Basic, DPoP…): there is no Bearer token in the header.
  }

  // RFC 6750 §2: clients MUST NOT use more than one method in each request.
  const methods = (headerToken !== undefined ? 1 : 0) + (inQuery ? 1 : 0) + (inBody ? 1 : 0);
  if (methods > 1) return dpop ? DPOP_MULTIPLE : refuse('token_methods_multiple');
  if (headerToken !== undefined) return dpop ? { token: headerToken, scheme: 'dpop' } : { token: headerToken };

  if (inQuery) {
    const token = parameterToken(facts.queryAccessToken);
    return token === undefined ? refuse('access_token_malformed') : { token };
  }
  if (inBody) {
    // RFC 6750 §2.2: form-encoded, single-part, and never with GET.
    if (facts.bodyIsForm !== true || facts.method.toUpperCase() === 'GET') return refuse('token_in_body');
    const token = parameterToken(facts.bodyAccessToken);
    return token === undefined ? refuse('access_token_malformed') : { token };
  }
  return MISSING;
}
