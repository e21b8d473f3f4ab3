/**
 * One call from a Web `Request` to a decision a Web handler can return: the facts, the gate's
 * answer, and a ready `Response` for every refusal, including a body the gate could not read.
 */
import type { AuthInfo, Gate, PreparedAction } from '../gate/index.js';
import { RequestBodyError } from './body.js';
import { type WebRequestFactsOptions, webRequestFacts } from './facts.js';
import { refusalResponse, requestBodyErrorResponse } from './response.js';

/** What {@link decideRequest} answers. */
export type WebDecision<N extends string = string> =
  | {
      readonly allow: true;
      readonly auth: AuthInfo<N>;
      /** Headers for the handler's response (`dpop-nonce`, RFC 9449 §9); see `applyDecisionHeaders`. */
      readonly headers?: Readonly<Record<string, string>>;
    }
  | { readonly allow: false; readonly response: Response };

/**
 * Decides `request` for `action`. Never rejects for anything the request carries: a refusal,
 * an oversized or unreadable body is a `Response` to return as it is.
 */
export async function decideRequest<N extends string>(
  gate: Gate<N>,
  action: N | PreparedAction<N>,
  request: Request,
  options?: WebRequestFactsOptions,
): Promise<WebDecision<N>> {
  let facts: Awaited<ReturnType<typeof webRequestFacts>>;
  try {
    facts = await webRequestFacts(request, options);
  } catch (error) {
    if (error instanceof RequestBodyError) return { allow: false, response: requestBodyErrorResponse(error) };
    throw error;
  }
  const decision = await gate.decide(action, facts);
  if (!decision.allow) return { allow: false, response: refusalResponse(decision) };
  return decision.headers === undefined
    ? { allow: true, auth: decision.auth }
    : { allow: true, auth: decision.auth, headers: decision.headers };
}
