import { accessTokenParameter, authorizationFields, dpopFields, type RequestFacts } from '@actiongate/core';
import type { FastifyRequest } from 'fastify';

const FORM = 'application/x-www-form-urlencoded';

/** RFC 6750 §2.2: whether the body is form-encoded, whatever the parameters (`; charset=utf-8`). */
function isForm(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const semicolon = contentType.indexOf(';');
  const type = semicolon === -1 ? contentType : contentType.slice(0, semicolon);
  return type.trim().toLowerCase() === FORM;
}

/**
 * RFC 6750 §2.3: every `access_token` of the raw query string, decoded as a form (one → a string,
 * repeated → an array). Read here rather than from `request.query`, so that an app's own
 * `querystringParser` (or none that keeps repeats) cannot hide a token.
 */
function queryAccessToken(query: string): string | string[] | undefined {
  const values = new URLSearchParams(query).getAll('access_token');
  return values.length === 0 ? undefined : values.length === 1 ? values[0] : values;
}

/** The path and query of the request target as received; the absolute form is read by its parts. */
function splitTarget(url: string): [path: string, query: string | undefined] {
  if (url.charCodeAt(0) !== 47) {
    try {
      const parsed = new URL(url);
      return [parsed.pathname, parsed.search === '' ? undefined : parsed.search.slice(1)];
    } catch {
      return [url, undefined];
    }
  }
  const mark = url.indexOf('?');
  return mark === -1 ? [url, undefined] : [url.slice(0, mark), url.slice(mark + 1)];
}

/**
 * The plain facts of a Fastify request. `request.raw.rawHeaders` keeps every `Authorization` and
 * `DPoP` field, where `request.headers` joins or drops repeats. The body is what Fastify's content
 * type parsers made of it: JSON by default, a form only with `@fastify/formbody` registered.
 */
export function requestFacts(request: FastifyRequest): RequestFacts {
  const raw = request.raw;
  const body = request.body;
  const bodyAccessToken = accessTokenParameter(body);
  // The target as the client sent it, before any `rewriteUrl`: DPoP's `htu` names that one.
  const [path, query] = splitTarget(request.originalUrl);
  return {
    method: raw.method ?? request.method,
    path,
    authorization: authorizationFields(raw.rawHeaders),
    dpop: dpopFields(raw.rawHeaders),
    queryAccessToken: query === undefined || query === '' ? undefined : queryAccessToken(query),
    bodyAccessToken,
    bodyIsForm: bodyAccessToken !== undefined && isForm(raw.headers['content-type']),
    params: request.params as RequestFacts['params'],
    body,
  };
}
