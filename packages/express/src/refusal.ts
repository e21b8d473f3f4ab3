/**
 * Writing a refusal, or handing it to the app: to its error handler (`onRefusal: 'error'`) or to
 * a hook that shapes the response. Either way the status and the challenge headers are on the
 * response first, so that the `WWW-Authenticate` challenge (RFC 6750 §3) survives unless the app
 * deliberately replaces it.
 */
import { ActionRefusedError, type Refusal, RefusalHookError } from '@actiongate/core';
import type { NextFunction, Request, Response } from 'express';

/** Shapes a refused response. The status and challenge headers are already set: keep them. */
export type RefusalHook = (refusal: Refusal, req: Request, res: Response) => void | Promise<void>;

const serialised = new WeakMap<object, string>();

/** Sets the refusal's status and challenge headers, without a body. */
export function writeChallenge(res: Response, refusal: Refusal): void {
  res.status(refusal.status);
  for (const name in refusal.headers) res.setHeader(name, refusal.headers[name] as string);
}

/** Ends the response with the refusal's JSON body, serialised once per refusal. */
function sendBody(res: Response, refusal: Refusal): void {
  let body = serialised.get(refusal.body);
  if (body === undefined) {
    body = JSON.stringify(refusal.body);
    serialised.set(refusal.body, body);
  }
  res.setHeader('content-type', 'application/json; charset=utf-8');
  res.end(body);
}

/** Writes a refusal: status, challenge headers and the JSON error body. */
export function sendRefusal(res: Response, refusal: Refusal): void {
  writeChallenge(res, refusal);
  sendBody(res, refusal);
}

function finish(res: Response, refusal: Refusal): void {
  // A hook that wrote nothing gets the standard status and body (never an empty 200, never a
  // hang), with the headers as the hook left them.
  if (res.headersSent) return;
  res.status(refusal.status);
  sendBody(res, refusal);
}

/** Hands a refusal to the app; the guarded handler never runs. */
export async function handOver(
  refusal: Refusal,
  req: Request,
  res: Response,
  next: NextFunction,
  onRefusal: 'error' | RefusalHook,
): Promise<void> {
  writeChallenge(res, refusal);
  if (onRefusal === 'error') return next(new ActionRefusedError(refusal));
  try {
    await onRefusal(refusal, req, res);
  } catch (error) {
    // `next()` with a falsy value would run the guarded handler, and `'route'`/`'router'` would
    // skip to other routes: a hook's failure must stay a failure.
    return next(!error || error === 'route' || error === 'router' ? new RefusalHookError(error) : error);
  }
  finish(res, refusal);
}
