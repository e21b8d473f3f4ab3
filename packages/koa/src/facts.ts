import { accessTokenParameter, type RequestFacts } from '@actiongate/core';
import type { Context } from 'koa';

const FORM = 'application/x-www-form-urlencoded';

/**
 * The plain facts of a Koa request. `headersDistinct` keeps every `Authorization` field; the
 * body is seen only if a body parser ran first; `params` come from @koa/router when present.
 */
export function requestFacts(ctx: Context): RequestFacts {
  const body = (ctx.request as { body?: unknown }).body;
  return {
    method: ctx.method,
    path: ctx.path,
    authorization: ctx.req.headersDistinct.authorization ?? ctx.req.headers.authorization,
    queryAccessToken: accessTokenParameter(ctx.query),
    bodyAccessToken: accessTokenParameter(body),
    bodyIsForm: ctx.is(FORM) === FORM,
    params: (ctx as { params?: Record<string, string> }).params,
    body,
  };
}
