/**
 * A fetch that answers step-up challenges for the resources it was told to trust, and only
 * those. On a 403 `insufficient_scope` or a 401 `insufficient_user_authentication` from an
 * allowed resource it verifies which resource is asking (RFC 9728 metadata), checks the request
 * against the client's policy, asks `stepUp` once, retries the request once with the elevated
 * token, and hands any second refusal to the caller. It never loops.
 *
 * A request to a URL no allowed resource covers is sent untouched: no baseline token, no
 * elevated token, and no step-up whatever it answers.
 */

import { findChallenge } from '../challenges/index.js';
import { type DpopOption, parseDpopOption } from '../dpop/key.js';
import { ConfigurationError, StepUpError } from './errors.js';
import { createMetadataVerifier, type MetadataOptions } from './metadata.js';
import { enforcePolicy, type StepUpPolicy } from './policy.js';
import { present, schemeOf } from './present.js';
import { elevationKey, readStepUpRequest } from './read-refusal.js';
import { allowedResourceFor, parseAllowedResources, resourceCovers, resourceIdentifier } from './resource.js';
import { checkBaseline, checkElevated } from './token.js';
import type { BaselineToken, ElevatedToken, StepUp, StepUpEvent, StepUpRequest, TokenType } from './types.js';

/**
 * Options of {@link createStepUpFetch}. `allowedResources`, `getToken` and `stepUp` are required; the
 * rest default to the safest choice: a policy that allows no additional scope.
 */
export interface StepUpFetchOptions {
  /**
   * Where tokens may go: origins (`https://api.example.com`) or RFC 9728 resource identifiers
   * (`https://api.example.com/mcp`, covering that path and below). Required: a URL none of them
   * covers gets no token and no step-up.
   */
  readonly allowedResources: readonly (string | URL)[];
  /**
   * Accept `http:` allowed resources on hosts other than loopback. Bearer tokens sent over http
   * can be read and replayed by anyone on the path (RFC 6750 §5.3). Default false.
   */
  readonly allowInsecureHttp?: boolean;
  /**
   * The baseline access token for a request to `url` (an allowed one): a string is sent as
   * Bearer, `{ accessToken, tokenType: 'DPoP' }` with a proof by the `dpop` key; `undefined` sends none.
   */
  readonly getToken: (url: URL) => BaselineToken | undefined | Promise<BaselineToken | undefined>;
  /**
   * DPoP (RFC 9449): elevated tokens are bound to this client's key and every request carrying
   * one has a proof. `true` generates an ES256 key whose private half cannot be exported;
   * `{ keyPair }` uses yours. A step-up must then return a DPoP-bound token (`tokenType: 'DPoP'`),
   * or the request fails with `token_not_bound`. Default: none, Bearer tokens only.
   */
  readonly dpop?: DpopOption;
  /** The scopes the baseline token holds, so a step-up asks for their union with the new ones. */
  readonly heldScopes?: readonly string[] | (() => readonly string[]);
  /** What a step-up may ask for. Default: nothing beyond the held scopes. */
  readonly policy?: StepUpPolicy;
  /** Obtains the elevated token, e.g. {@link cibaStepUp} or {@link tokenEndpointStepUp}. */
  readonly stepUp: StepUp;
  /** Progress of each step-up, for a UI ("approve on your phone"); what it throws is ignored. */
  readonly onEvent?: (event: StepUpEvent) => void;
  /** Stop reusing an elevated token this many ms before it expires. Default 30000. */
  readonly expirySkew?: number;
  /** Fetching RFC 9728 metadata: timeout, size cap, cache bounds. The timeout also bounds reading a refusal's body. */
  readonly metadata?: MetadataOptions;
  /** The fetch used for every request and metadata document. Default: `globalThis.fetch`. */
  readonly fetch?: typeof fetch;
}

/**
 * What {@link createStepUpFetch} returns: a drop-in `fetch` that reuses an elevated token with a
 * known expiry until `expirySkew` before it; a single-use token, or one without expiry, serves one retry.
 */
export interface StepUpFetch {
  /** Like `fetch`. Rejects with {@link StepUpError} when a step-up was needed but could not be done. */
  (input: Request | string | URL, init?: RequestInit): Promise<Response>;
  /**
   * Forgets cached elevated tokens: all of them, or those for the resource covering `resource`
   * (a URL or a resource identifier), e.g. after the user signs out.
   */
  invalidate(resource?: string | URL): void;
}

interface Cached {
  readonly resource: URL;
  readonly token: ElevatedToken;
}

/**
 * Frees a refusal's body without waiting: after `clone()` it is one branch of a tee, and
 * cancelling a branch settles only once the other is cancelled or read to the end.
 */
function discard(response: Response): void {
  response.body?.cancel().catch(() => {});
}

/** A retry refused like this, in the scheme it used, means the elevated token is of no further use. */
function refusesToken(response: Response, scheme: TokenType): boolean {
  if (response.status === 401) return findChallenge(response.headers, scheme) !== undefined;
  return response.status === 403 && findChallenge(response.headers, scheme)?.error === 'insufficient_scope';
}

/**
 * Creates a fetch that answers step-up challenges from the allowed resources, at most once per
 * request. Concurrent requests needing the same elevation share one approval.
 *
 * @throws ConfigurationError when an option is missing or malformed.
 */
export function createStepUpFetch(options: StepUpFetchOptions): StepUpFetch {
  if (options.allowInsecureHttp !== undefined && typeof options.allowInsecureHttp !== 'boolean') {
    throw new ConfigurationError('allowInsecureHttp', 'must be true or false');
  }
  const allowed = parseAllowedResources(options.allowedResources, options.allowInsecureHttp);
  const dpop = parseDpopOption(options.dpop);
  const send = options.fetch ?? globalThis.fetch;
  const skew = options.expirySkew ?? 30_000;
  const policy = options.policy ?? {};
  const verifyMetadata = createMetadataVerifier(
    send,
    [...new Set(allowed.map((resource) => resource.origin))],
    options.metadata,
  );
  // Step-ups in flight, shared by requests that need the same elevation until invalidate().
  const pending = new Map<string, { readonly resource: URL; readonly token: Promise<ElevatedToken> }>();
  const reusable = new Map<string, Cached>();
  let generation = 0; // bumped by invalidate(), so a step-up in flight is not cached afterwards

  const emit = (event: StepUpEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A UI listener must not break the request.
    }
  };

  async function callStepUp(request: StepUpRequest): Promise<ElevatedToken> {
    let result: unknown;
    try {
      result = await options.stepUp(request);
    } catch (cause) {
      if (cause instanceof StepUpError) throw cause;
      throw new StepUpError('failed', 'the step-up failed', { cause });
    }
    const token = checkElevated(result);
    if (dpop !== undefined && token.tokenType !== 'DPoP') {
      throw new StepUpError('token_not_bound', 'the step-up returned a token not bound to the DPoP key (RFC 9449 §5)');
    }
    if (dpop === undefined && token.tokenType === 'DPoP') {
      throw new StepUpError('malformed_token', 'the step-up returned a DPoP token, but the fetch has no dpop key');
    }
    return token;
  }

  function elevate(key: string, request: StepUpRequest, resource: URL): Promise<ElevatedToken> {
    const cached = reusable.get(key);
    // Only a token with a known expiry is reused; one without is good for the call that asked.
    if (cached?.token.expiresAt !== undefined && cached.token.expiresAt - skew > Date.now()) {
      return Promise.resolve(cached.token);
    }
    reusable.delete(key);
    let shared = pending.get(key)?.token;
    if (shared === undefined) {
      const started = generation;
      emit({ type: 'step-up:pending', request });
      shared = callStepUp(request).then(
        (token) => {
          emit({ type: 'step-up:approved', request, token });
          if (!token.singleUse && token.expiresAt !== undefined && started === generation) {
            reusable.set(key, { resource, token });
          }
          return token;
        },
        (error: StepUpError) => {
          if (error.code === 'denied') emit({ type: 'step-up:denied', request });
          else if (error.code === 'expired') emit({ type: 'step-up:expired', request });
          else emit({ type: 'step-up:failed', request, error });
          throw error;
        },
      );
      const entry = { resource, token: shared };
      // Only this entry: after invalidate() a newer step-up may hold the key.
      const cleanup = () => pending.get(key) === entry && pending.delete(key);
      shared.then(cleanup, cleanup);
      pending.set(key, entry);
    }
    return shared;
  }

  async function stepUpFetch(input: Request | string | URL, init?: RequestInit): Promise<Response> {
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
    const url = new URL(request.url);
    const configured = allowedResourceFor(allowed, url);
    if (configured === undefined) return send(request); // not ours to authorise: untouched

    const baseline = checkBaseline(await options.getToken(url), dpop !== undefined);
    // A redirect out of the resource takes no token along, and its refusal is not ours to answer.
    const mayCarryToken = (target: URL) => resourceCovers(configured, target);
    const { response, url: answered } = await present(send, request, baseline, mayCarryToken, dpop);
    if (!mayCarryToken(answered)) return response;

    const held = typeof options.heldScopes === 'function' ? options.heldScopes() : (options.heldScopes ?? []);
    const timeout = options.metadata?.timeout ?? 5000;
    const challenge = await readStepUpRequest(response, request, held, timeout, schemeOf(baseline));
    if (challenge === undefined) return response;

    let resource: URL;
    let stepUpRequest: StepUpRequest;
    try {
      resource =
        challenge.resourceMetadata === undefined
          ? configured
          : await verifyMetadata(challenge.resourceMetadata, answered);
      // The verified resource must lie within an allowed one: metadata describing the whole
      // origin would get a token good for every path on it, not only the paths the client trusts.
      if (!allowed.some((entry) => resourceCovers(entry, resource))) {
        throw new StepUpError(
          'resource_mismatch',
          `the metadata describes ${resource.href}, wider than the allowed resource ${resourceIdentifier(configured)}`,
        );
      }
      stepUpRequest = {
        ...challenge,
        resource: resourceIdentifier(resource),
        ...(dpop === undefined ? {} : { dpop: await dpop.handle() }),
      };
      enforcePolicy(stepUpRequest, policy, held, resource);
    } catch (error) {
      discard(response);
      throw error;
    }

    const key = elevationKey(stepUpRequest);
    const token = await elevate(key, stepUpRequest, resource).finally(() => discard(response));
    const credential = { accessToken: token.accessToken, tokenType: token.tokenType ?? 'Bearer' } as const;
    // Once: a second refusal is the caller's to handle.
    const { response: retried } = await present(send, retryCopy, credential, mayCarryToken, dpop);
    if (refusesToken(retried, credential.tokenType) && reusable.get(key)?.token === token) reusable.delete(key);
    return retried;
  }

  return Object.assign(stepUpFetch, {
    invalidate(target?: string | URL): void {
      generation++;
      // A request made from now on gets its own approval, never one asked for before.
      if (target === undefined) {
        reusable.clear();
        pending.clear();
        return;
      }
      const url = new URL(target);
      const matches = (resource: URL) => resourceCovers(resource, url) || resourceCovers(url, resource);
      for (const [key, cached] of reusable) if (matches(cached.resource)) reusable.delete(key);
      for (const [key, inFlight] of pending) if (matches(inFlight.resource)) pending.delete(key);
    },
  });
}
