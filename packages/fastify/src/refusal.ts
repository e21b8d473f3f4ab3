/**
 * Writing a refusal through Fastify's reply, or handing it to the app: thrown as
 * `ActionRefusedError` for its error handler (`onRefusal: 'error'`), or to a hook that shapes the
 * response. Either way the status and the challenge headers are set first, so that the
 * `WWW-Authenticate` challenge (RFC 6750 §3) survives unless the app deliberately replaces it.
 */
import { ActionRefusedError, type Refusal, RefusalHookError } from '@actiongate/core';
import type { FastifyReply, FastifyRequest } from 'fastify';

/** Shapes a refused response. The status and challenge headers are already set: keep them. */
export type RefusalHook = (refusal: Refusal, request: FastifyRequest, reply: FastifyReply) => void | Promise<void>;

const serialised = new WeakMap<object, string>();

/** Sets the refusal's status and challenge headers (`WWW-Authenticate`, `DPoP-Nonce`, `Retry-After`), without a body. */
export function writeChallenge(reply: FastifyReply, refusal: Refusal): void {
  reply.code(refusal.status);
  for (const name in refusal.headers) reply.header(name, refusal.headers[name] as string);
  // The answer depends on the credentials sent: no cache may reuse it (RFC 9111 §5.2.2.5).
  reply.header('cache-control', 'no-store');
}

/** Sends the refusal's JSON body, serialised once per refusal. */
function sendBody(reply: FastifyReply, refusal: Refusal): FastifyReply {
  let body = serialised.get(refusal.body);
  if (body === undefined) {
    body = JSON.stringify(refusal.body);
    serialised.set(refusal.body, body);
  }
  return reply.type('application/json; charset=utf-8').send(body);
}

/** Writes a refusal: status, challenge headers, `cache-control: no-store` and the JSON error body. */
export function sendRefusal(reply: FastifyReply, refusal: Refusal): FastifyReply {
  writeChallenge(reply, refusal);
  return sendBody(reply, refusal);
}

/** Hands a refusal to the app; the guarded handler never runs. */
export async function handOver(
  refusal: Refusal,
  request: FastifyRequest,
  reply: FastifyReply,
  onRefusal: 'error' | RefusalHook,
): Promise<void> {
  writeChallenge(reply, refusal);
  // Fastify's error handlers send `error.headers` and `error.statusCode` (the http-errors shape).
  if (onRefusal === 'error') throw new ActionRefusedError(refusal);
  try {
    // A hook that returns the reply (`return reply.send(...)`) is awaited until the reply is sent.
    await onRefusal(refusal, request, reply);
  } catch (error) {
    // Fastify turns a thrown non-error into a 500 too, but says nothing useful about it.
    throw error instanceof Error ? error : new RefusalHookError(error);
  }
  // A hook that sent nothing gets the standard status and body (never the guarded handler, never
  // a hang), with the headers as the hook left them.
  if (reply.sent) return;
  reply.code(refusal.status);
  sendBody(reply, refusal);
}
