/**
 * TEMPORARY stand-in for the core's Web module (packages/core/src/web/, branch wip/hono), with the
 * agreed signatures, so that the runtime plumbing can be built before it lands. Replaced by
 * `import { webRequestFacts, refusalResponse, metadataResponse } from '@actiongate/core'`.
 */
import { accessTokenParameter, type Gate, type Refusal, type RequestFacts } from '@actiongate/core';

export async function webRequestFacts(
  request: Request,
  options: { params?: Readonly<Record<string, string>> } = {},
): Promise<RequestFacts> {
  const url = new URL(request.url);
  const authorization = request.headers.get('authorization') ?? undefined;
  const dpop = request.headers.get('dpop') ?? undefined;
  let bodyAccessToken: unknown;
  let bodyIsForm = false;
  const type = request.headers.get('content-type') ?? '';
  if (type.startsWith('application/x-www-form-urlencoded')) {
    bodyIsForm = true;
    const form = new URLSearchParams(await request.clone().text());
    bodyAccessToken = accessTokenParameter(Object.fromEntries(form));
  }
  return {
    method: request.method,
    path: url.pathname,
    authorization,
    dpop,
    queryAccessToken: url.searchParams.has('access_token') ? url.searchParams.getAll('access_token') : undefined,
    bodyAccessToken,
    bodyIsForm,
    params: options.params ?? {},
  };
}

export function refusalResponse(refusal: Refusal): Response {
  const headers = new Headers(refusal.headers);
  headers.set('content-type', 'application/json; charset=utf-8');
  headers.set('cache-control', 'no-store');
  return new Response(JSON.stringify(refusal.body), { status: refusal.status, headers });
}

export function metadataResponse(gate: Gate<string>): Response {
  return new Response(JSON.stringify(gate.metadata), { headers: { 'content-type': 'application/json' } });
}
