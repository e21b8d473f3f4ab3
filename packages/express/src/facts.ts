import { accessTokenParameter, authorizationFields, dpopFields, type RequestFacts } from '@actiongate/core';
import type { Request } from 'express';

const FORM = 'application/x-www-form-urlencoded';

/**
 * The plain facts of an Express request. `rawHeaders` keeps every `Authorization` field,
 * where `req.headers` silently drops repeats. The body is seen only if a body parser ran first.
 */
export function requestFacts(req: Request): RequestFacts {
  const bodyAccessToken = accessTokenParameter(req.body);
  return {
    method: req.method,
    // Under a router mounted at `/v1`, `req.path` is relative to the mount; the audit wants the whole path.
    path: req.baseUrl === '' ? req.path : req.baseUrl + req.path,
    authorization: authorizationFields(req.rawHeaders),
    dpop: dpopFields(req.rawHeaders),
    // The query is parsed only when the URL has one.
    queryAccessToken: req.url.includes('?') ? accessTokenParameter(req.query) : undefined,
    bodyAccessToken,
    bodyIsForm: bodyAccessToken !== undefined && req.is(FORM) === FORM,
    params: req.params,
    body: req.body,
  };
}
