/**
 * Web-standard `Response`s for a refusal, the RFC 9728 document and a body the gate could not
 * read. Web APIs only, so they serve `Bun.serve`, `Deno.serve`, Workers and Next.js alike.
 */

import type { Refusal } from '../challenge/refusal.js';
import type { Gate } from '../gate/index.js';
import type { RequestBodyError } from './body.js';
import { pathAndQuery } from './facts.js';

const JSON_TYPE = 'application/json';

/**
 * A refusal as a `Response`: its status, every header it carries (`WWW-Authenticate`, RFC 6750
 * §3 and RFC 9449 §7.1; `DPoP-Nonce`, RFC 9449 §8; `Retry-After`, RFC 9110 §10.2.3) and the JSON
 * error body. `Cache-Control: no-store`: a refusal answers this request and these credentials
 * only (RFC 9111 §5.2.2.5).
 */
export function refusalResponse(refusal: Refusal): Response {
  const headers = new Headers(refusal.headers as Record<string, string>);
  headers.set('content-type', JSON_TYPE);
  headers.set('cache-control', 'no-store');
  return new Response(JSON.stringify(refusal.body), { status: refusal.status, headers });
}

/** The RFC 9728 §3.2 answer: the gate's metadata document as `application/json`, 200. */
export function metadataResponse(gate: Pick<Gate<string>, 'metadata'>): Response {
  return new Response(JSON.stringify(gate.metadata), { status: 200, headers: { 'content-type': JSON_TYPE } });
}

/**
 * Whether `request` asks for the gate's RFC 9728 document: a `GET` or `HEAD` of exactly
 * `gate.metadataPath` (§3.1: from the origin's root, whatever the app's own routing).
 */
export function isMetadataRequest(gate: Pick<Gate<string>, 'metadataPath'>, request: Request): boolean {
  // Every request of an app passes here: the path is cut from `request.url`, not parsed again.
  return (
    (request.method === 'GET' || request.method === 'HEAD') && pathAndQuery(request.url).path === gate.metadataPath
  );
}

/**
 * The answer to a body the gate could not read ({@link RequestBodyError}): its status and a
 * JSON body in the OAuth error shape. A 500 (the app read the body first) says nothing more.
 */
export function requestBodyErrorResponse(error: RequestBodyError): Response {
  const body =
    error.status === 500
      ? { error: 'server_error', error_description: 'The request could not be checked' }
      : { error: 'invalid_request', error_description: error.message };
  return new Response(JSON.stringify(body), {
    status: error.status,
    headers: { 'content-type': JSON_TYPE, 'cache-control': 'no-store' },
  });
}
