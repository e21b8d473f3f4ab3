import { accessTokenParameter, type RequestFacts } from '@actiongate/core';
import type { Request } from 'express';

const FORM = 'application/x-www-form-urlencoded';

/**
 * The plain facts of an Express request. `headersDistinct` keeps every `Authorization` field,
 * where `req.headers` silently drops repeats. The body is seen only if a body parser ran first.
 */
export function requestFacts(req: Request): RequestFacts {
  return {
    method: req.method,
    path: req.path,
    authorization: req.headersDistinct.authorization ?? req.headers.authorization,
    queryAccessToken: accessTokenParameter(req.query),
    bodyAccessToken: accessTokenParameter(req.body),
    bodyIsForm: req.is(FORM) === FORM,
    params: req.params,
    body: req.body,
  };
}
