/**
 * The facts of a Web-standard `Request` (Fetch), for `Bun.serve`, `Deno.serve`, Workers,
 * Next.js route handlers and Web frameworks such as Hono. Web APIs only: no Node built-in.
 */
import { ConfigurationError } from '../errors.js';
import { accessTokenParameter } from '../extract/index.js';
import { fieldValues } from '../extract/node-headers.js';
import type { RequestFacts } from '../facts.js';
import { bodyKind, parseForm, parseJson, readBoundedBody } from './body.js';
import { credentialFields, rawCredentialFields } from './headers.js';

/** Options of {@link webRequestFacts}. */
export interface WebRequestFactsOptions {
  /** Route parameters (`/invoices/:id` → `{ id }`), for actions whose rules read them. */
  readonly params?: Readonly<Record<string, string>>;
  /**
   * The most bytes of a form or JSON body read for the facts; a larger body rejects with
   * `RequestBodyError` (413). Default 102400 (100 KiB, the default of Express's body parsers).
   */
  readonly maxBodyBytes?: number;
  /** The URL to read the path and query from, when it is not `request.url` (a rewrite, a mount). */
  readonly url?: string | URL;
  /**
   * The request's raw header list (`[name, value, …]`, as Node's `rawHeaders`) when the runtime
   * keeps one, as `@hono/node-server` does: `Authorization` and `DPoP` are then read from it,
   * each repeat as sent, instead of undoing the join of `Headers`.
   */
  readonly rawHeaders?: readonly string[];
}

/** The default of {@link WebRequestFactsOptions.maxBodyBytes}. */
export const DEFAULT_MAX_BODY_BYTES = 102_400;

/**
 * The path and query of `request.url`. An http(s) URL that the URL parser serialised (as
 * `request.url` always is) has a path starting at the first `/` after the authority, so it is
 * split without parsing it again; anything else goes through `URL`.
 */
export function pathAndQuery(href: string): { path: string; query: string } {
  const authority = href.startsWith('https://') ? 8 : href.startsWith('http://') ? 7 : -1;
  const start = authority === -1 ? -1 : href.indexOf('/', authority);
  if (start === -1) {
    const url = new URL(href);
    return { path: url.pathname, query: url.search.slice(1) };
  }
  const hash = href.indexOf('#', start);
  const end = hash === -1 ? href.length : hash;
  const question = href.indexOf('?', start);
  if (question === -1 || question > end) return { path: href.slice(start, end), query: '' };
  return { path: href.slice(start, question), query: href.slice(question + 1, end) };
}

/** Every `access_token` query parameter (RFC 6750 §2.3): one value, all of a repeat, or `undefined`. */
function queryAccessToken(query: string): string | string[] | undefined {
  // Only a query holding `access` or a percent-encoded name (`access%5Ftoken`) needs parsing.
  if (query === '' || (!query.includes('access') && !query.includes('%'))) return undefined;
  const values = new URLSearchParams(query).getAll('access_token');
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

/**
 * `Content-Type` from the raw list, as `Headers.get` would give it: every field's value, trimmed
 * and joined by ", " (RFC 9110 §5.3), so that a repeat makes the same unknown media type either way.
 */
function rawContentType(raw: readonly string[]): string | null {
  const values = fieldValues(raw, 'content-type');
  if (values === undefined) return null;
  return typeof values === 'string' ? values.trim() : values.map((value) => value.trim()).join(', ');
}

/** A declared body, by `Content-Length` or `Transfer-Encoding` (RFC 9112 §6.3). */
function declaresBody(headers: Headers): boolean {
  const length = headers.get('content-length');
  return headers.has('transfer-encoding') || (length !== null && length !== '0');
}

/**
 * The facts of a Web `Request`: every `Authorization` and `DPoP` field (a repeat joined by
 * `Headers` is still seen as a repeat), `access_token` in the query, and a form or JSON body
 * read from a clone, so the handler can still read it. Other bodies are not read.
 *
 * @throws RequestBodyError (as a rejection) when a form or JSON body is larger than
 *   `maxBodyBytes` (413), cannot be read whole (400), or was read before (500): the gate
 *   cannot decide without seeing it.
 * @throws ConfigurationError (as a rejection) when `maxBodyBytes` is not a positive integer.
 */
export async function webRequestFacts(request: Request, options: WebRequestFactsOptions = {}): Promise<RequestFacts> {
  return webRequestFactsNow(request, options);
}

/**
 * The same facts as {@link webRequestFacts}, returned as they are when no body has to be read
 * (no form or JSON body, the case of nearly every request), a promise of them otherwise: for
 * adapters that decide a cached token's request without a promise (see `gate.decideNow`).
 *
 * @throws RequestBodyError (as a rejection) as {@link webRequestFacts} does.
 * @throws ConfigurationError, synchronously, when `maxBodyBytes` is not a positive integer.
 */
export function webRequestFactsNow(
  request: Request,
  options: WebRequestFactsOptions = {},
): RequestFacts | Promise<RequestFacts> {
  const max = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(max) || max < 1) {
    throw new ConfigurationError('maxBodyBytes', `must be a positive integer number of bytes (got ${String(max)})`);
  }
  const { path, query } = pathAndQuery(
    options.url === undefined ? request.url : new URL(options.url, request.url).href,
  );
  const raw = options.rawHeaders;
  const method = request.method;
  // With the raw list, `request.headers` is not even touched: a runtime that builds it lazily
  // (`@hono/node-server`) then never has to.
  const headers = raw === undefined ? request.headers : undefined;
  const facts = {
    method,
    path,
    authorization:
      headers !== undefined
        ? credentialFields(headers, 'authorization')
        : rawCredentialFields(raw as readonly string[], 'authorization'),
    dpop:
      headers !== undefined ? credentialFields(headers, 'dpop') : rawCredentialFields(raw as readonly string[], 'dpop'),
    queryAccessToken: queryAccessToken(query),
    params: options.params,
  };

  const kind = bodyKind(headers !== undefined ? headers.get('content-type') : rawContentType(raw as readonly string[]));
  if (kind === undefined) return facts;
  if (request.body === null) {
    // Fetch forbids a body on GET and HEAD, so a runtime drops one that arrived (RFC 9110
    // §9.3.1: it has no defined meaning). A form or JSON body the gate cannot see may carry a
    // token: it counts as one, which RFC 6750 §2.2 refuses with GET in any case.
    if ((method === 'GET' || method === 'HEAD') && declaresBody(request.headers)) {
      return { ...facts, bodyAccessToken: '', bodyIsForm: kind === 'form' };
    }
    return facts;
  }
  return withBody(request, max, kind, facts);
}

async function withBody(
  request: Request,
  max: number,
  kind: 'form' | 'json',
  facts: RequestFacts,
): Promise<RequestFacts> {
  const bytes = await readBoundedBody(request, max);
  // Not fatal: a stray byte must not hide an `access_token` next to it.
  const text = new TextDecoder().decode(bytes);
  const body = kind === 'form' ? parseForm(text) : parseJson(text);
  const bodyAccessToken = accessTokenParameter(body);
  return { ...facts, body, bodyAccessToken, bodyIsForm: kind === 'form' && bodyAccessToken !== undefined };
}
