/**
 * Writing a refusal, or handing it to the app: thrown as `ActionRefusedError` for its error
 * handling (`onRefusal: 'error'`), or to a hook that shapes the response. Either way the status
 * and the challenge headers are set first, so that the `WWW-Authenticate` challenge (RFC 6750 §3)
 * survives unless the app deliberately replaces it.
 */
import { ActionRefusedError, type Refusal, RefusalHookError } from '@actiongate/core';
import type { Context } from 'koa';

/** Shapes a refused response. The status and challenge headers are already set: keep them. */
export type RefusalHook = (refusal: Refusal, ctx: Context) => void | Promise<void>;

/** Sets the refusal's status and challenge headers, without a body. */
export function writeChallenge(ctx: Context, refusal: Refusal): void {
  ctx.status = refusal.status;
  ctx.set(refusal.headers as Record<string, string>);
}

/** Writes a refusal: status, challenge headers and the JSON error body. */
export function sendRefusal(ctx: Context, refusal: Refusal): void {
  writeChallenge(ctx, refusal);
  ctx.body = refusal.body;
}

/** Hands a refusal to the app; the guarded middleware never runs. */
export async function handOver(refusal: Refusal, ctx: Context, onRefusal: 'error' | RefusalHook): Promise<void> {
  writeChallenge(ctx, refusal);
  if (onRefusal === 'error') throw new ActionRefusedError(refusal);
  try {
    await onRefusal(refusal, ctx);
  } catch (error) {
    // Koa's onerror ignores a null or undefined error and never answers: the request would hang.
    throw error === undefined || error === null ? new RefusalHookError(error) : error;
  }
  // A hook that set no body gets the standard status and body (never an empty 200 or a 404),
  // with the headers as the hook left them.
  if (ctx.body === undefined || ctx.body === null) {
    ctx.status = refusal.status;
    ctx.body = refusal.body;
  }
}
