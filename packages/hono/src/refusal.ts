/**
 * Answering a refusal, or handing it to the app: thrown as `ActionRefusedError` for its error
 * handling (`onRefusal: 'error'`), or to a hook that shapes the response. The refusal's
 * `Response` carries the status, every challenge header and the JSON body (RFC 6750 §3), so
 * that the `WWW-Authenticate` challenge survives unless the app deliberately replaces it.
 */
import { ActionRefusedError, type Refusal, RefusalHookError, refusalResponse } from '@actiongate/core';
import type { Context } from 'hono';

/**
 * Shapes a refused response. Return a `Response` to answer with it (keep the refusal's
 * `WWW-Authenticate`: clients need it, RFC 6750 §3), or nothing for the standard refusal.
 */
export type RefusalHook = (refusal: Refusal, c: Context) => Response | undefined | Promise<Response | undefined>;

/**
 * The refusal as an error with `getResponse()`: Hono's default error handler answers it with
 * the refusal's own response (status, challenge, body), and an `app.onError` sees an
 * `ActionRefusedError` to shape as it likes.
 */
export function refusalError(refusal: Refusal): ActionRefusedError & { getResponse(): Response } {
  return Object.assign(new ActionRefusedError(refusal), { getResponse: () => refusalResponse(refusal) });
}

/** Hands a refusal to the app's hook; the guarded handler never runs. */
export async function handOver(refusal: Refusal, c: Context, hook: RefusalHook): Promise<Response> {
  let answer: Response | undefined;
  try {
    answer = await hook(refusal, c);
  } catch (error) {
    // A hook that throws a falsy value would leave Hono's error handler without an error.
    throw error === undefined || error === null || error === false ? new RefusalHookError(error) : error;
  }
  // A hook that answered nothing gets the standard refusal (never an empty 200 or a 404).
  return answer instanceof Response ? answer : refusalResponse(refusal);
}
