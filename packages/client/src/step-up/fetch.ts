/**
 * A fetch that answers step-up challenges: on a 403 `insufficient_scope` or a 401
 * `insufficient_user_authentication` it asks `stepUp` once for exactly what the challenge
 * and body name, retries the request once with the elevated token, and hands any second
 * refusal to the caller. It never loops.
 */
import { StepUpError } from './errors.js';
import { elevationKey, readStepUpRequest } from './read-refusal.js';
import type { ElevatedToken, StepUp, StepUpEvent, StepUpRequest } from './types.js';

export interface StepUpFetchOptions {
  /** The baseline access token. */
  readonly getToken: () => string | Promise<string>;
  /** The scopes the baseline token holds, so a step-up asks for their union with the new ones. */
  readonly heldScopes?: readonly string[] | (() => readonly string[]);
  readonly stepUp: StepUp;
  readonly onEvent?: (event: StepUpEvent) => void;
  /** Stop reusing an elevated token this many ms before it expires. Default 30000. */
  readonly expirySkew?: number;
  readonly fetch?: typeof fetch;
}

export type StepUpFetch = (input: Request | string | URL, init?: RequestInit) => Promise<Response>;

export function createStepUpFetch(options: StepUpFetchOptions): StepUpFetch {
  const send = options.fetch ?? globalThis.fetch;
  const skew = options.expirySkew ?? 30_000;
  const pending = new Map<string, Promise<ElevatedToken>>();
  const reusable = new Map<string, ElevatedToken>();

  const emit = (event: StepUpEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A UI listener must not break the request.
    }
  };

  async function elevate(request: StepUpRequest): Promise<ElevatedToken> {
    const key = elevationKey(request);
    const cached = reusable.get(key);
    if (cached !== undefined && (cached.expiresAt === undefined || cached.expiresAt - skew > Date.now())) return cached;
    reusable.delete(key);
    let shared = pending.get(key);
    if (shared === undefined) {
      emit({ type: 'step-up:pending', request });
      shared = options.stepUp(request).then(
        (token) => {
          emit({ type: 'step-up:approved', request, token });
          if (!token.singleUse) reusable.set(key, token);
          return token;
        },
        (error: unknown) => {
          if (error instanceof StepUpError && error.code === 'denied') emit({ type: 'step-up:denied', request });
          if (error instanceof StepUpError && error.code === 'expired') emit({ type: 'step-up:expired', request });
          throw error;
        },
      );
      const cleanup = () => pending.delete(key);
      shared.then(cleanup, cleanup);
      pending.set(key, shared);
    }
    return shared;
  }

  return async function stepUpFetch(input, init) {
    let request: Request;
    let retryCopy: Request;
    try {
      request = new Request(input, init);
      retryCopy = request.clone(); // tees any body, so the retry can send it again
    } catch (cause) {
      if (!(input instanceof Request) || !input.bodyUsed) throw cause;
      throw new StepUpError('body_not_replayable', 'the request body was already used and cannot be sent again', {
        cause,
      });
    }
    const baseline = await options.getToken();
    request.headers.set('authorization', `Bearer ${baseline}`);
    const response = await send(request);

    const held = typeof options.heldScopes === 'function' ? options.heldScopes() : (options.heldScopes ?? []);
    const stepUp = await readStepUpRequest(response, request, held);
    if (stepUp === undefined) return response;

    const token = await elevate(stepUp);
    await response.body?.cancel().catch(() => {});
    retryCopy.headers.set('authorization', `Bearer ${token.accessToken}`);
    return send(retryCopy); // once: a second refusal is the caller's to handle
  };
}
