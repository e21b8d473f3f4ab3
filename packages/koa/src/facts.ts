import { accessTokenParameter, authorizationFields, dpopFields, type RequestFacts } from '@actiongate/core';
import type { Context } from 'koa';

const FORM = 'application/x-www-form-urlencoded';

/**
 * The plain facts of a Koa request. `rawHeaders` keeps every `Authorization` field; the
 * body is seen only if a body parser ran first; `params` come from @koa/router when present.
 */
export function requestFacts(ctx: Context): RequestFacts {
  const body = (ctx.request as { body?: unknown }).body;
  const bodyAccessToken = accessTokenParameter(body);
  return {
    method: ctx.method,
    path: ctx.path,
    authorization: authorizationFields(ctx.req.rawHeaders),
    dpop: dpopFields(ctx.req.rawHeaders),
    // The query is parsed only when the URL has one.
    queryAccessToken: ctx.querystring === '' ? undefined : accessTokenParameter(ctx.query),
    bodyAccessToken,
    bodyIsForm: bodyAccessToken !== undefined && ctx.is(FORM) === FORM,
    params: (ctx as { params?: Record<string, string> }).params,
    body,
  };
}
