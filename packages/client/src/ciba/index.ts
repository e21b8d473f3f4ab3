/**
 * Step-up through OpenID CIBA (Client-Initiated Backchannel Authentication Core 1.0), poll
 * mode, on `oauth4webapi`: the client asks the authorization server to have the user approve
 * exactly what the challenge named, with a binding message naming the action, the resource
 * and the scopes, then polls the token endpoint, honouring `interval` and `slow_down`, until the
 * user approves or denies or the request expires.
 */
import * as oauth from 'oauth4webapi';
import { checkBound, withNonceRetry } from '../dpop/token-request.js';
import { StepUpError } from '../step-up/errors.js';
import type { ElevatedToken, StepUp, StepUpRequest } from '../step-up/types.js';
import { defaultBindingMessage } from './binding-message.js';

export { defaultBindingMessage } from './binding-message.js';

/**
 * Options of {@link cibaStepUp}. The client must be registered for CIBA poll mode at the
 * authorization server.
 */
export interface CibaStepUpOptions {
  /** The authorization server's metadata (from `oauth.processDiscoveryResponse`). */
  readonly authorizationServer: oauth.AuthorizationServer;
  readonly client: oauth.Client;
  readonly clientAuth: oauth.ClientAuth;
  /** Who must approve (CIBA §7.1 `login_hint`). */
  readonly loginHint: string | ((request: StepUpRequest) => string);
  /** CIBA §7.1 `binding_message`; default: `defaultBindingMessage` (action, resource host, scopes). */
  readonly bindingMessage?: (request: StepUpRequest) => string;
  /** The RFC 8707 resource indicator; default: the request's verified `resource`. */
  readonly resource?: (request: StepUpRequest) => string;
  /** Allow http:// endpoints (tests and demos on loopback only). */
  readonly allowInsecureRequests?: boolean;
  /** Aborts polling. */
  readonly signal?: AbortSignal;
  /** Waits; tests may shorten it. Default: a timer. */
  readonly sleep?: (ms: number) => Promise<void>;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

function toElevated(response: oauth.TokenEndpointResponse, request: StepUpRequest): ElevatedToken {
  checkBound(response, request.dpop);
  return {
    accessToken: response.access_token,
    ...(response.expires_in === undefined ? {} : { expiresAt: Date.now() + response.expires_in * 1000 }),
    // A grant bound to one object (RFC 9396) is treated as good for one request.
    singleUse: request.authorizationDetails !== undefined,
    ...(request.dpop === undefined ? {} : { tokenType: 'DPoP' as const }),
  };
}

/**
 * A {@link StepUp} that asks the user to approve on another device (CIBA poll mode) and polls
 * until they do. The user sees a binding message naming the action, the resource and the scopes,
 * so that they can tell what they approve.
 *
 * When the fetch has a DPoP key (`request.dpop`), every poll of the token endpoint carries a
 * proof (RFC 9449 §5: the token is bound when it is issued, not when it is asked for), and only a
 * DPoP-bound token is accepted.
 *
 * Rejects with {@link StepUpError}: `denied`, `expired`, `rate_limited`, `token_not_bound` (a
 * Bearer token came back to a request with a proof), or `failed` (also when `signal` aborts).
 */
export function cibaStepUp(options: CibaStepUpOptions): StepUp {
  const sleep = options.sleep ?? defaultSleep;
  const http = options.allowInsecureRequests ? { [oauth.allowInsecureRequests]: true } : {};
  const { authorizationServer: as, client, clientAuth } = options;

  return async function stepUp(request) {
    const parameters = new URLSearchParams({
      scope: ['openid', ...request.scope].join(' '),
      login_hint: typeof options.loginHint === 'function' ? options.loginHint(request) : options.loginHint,
      binding_message: (options.bindingMessage ?? defaultBindingMessage)(request),
      resource: options.resource?.(request) ?? request.resource,
    });
    if (request.acrValues !== undefined) parameters.set('acr_values', request.acrValues.join(' '));
    if (request.authorizationDetails !== undefined) {
      parameters.set('authorization_details', JSON.stringify(request.authorizationDetails));
    }

    let started: oauth.BackchannelAuthenticationResponse;
    try {
      const response = await oauth.backchannelAuthenticationRequest(as, client, clientAuth, parameters, http);
      started = await oauth.processBackchannelAuthenticationResponse(as, client, response);
    } catch (cause) {
      const error = (cause as { error?: string }).error;
      if (error === 'slow_down' || error === 'too_many_requests') {
        throw new StepUpError('rate_limited', 'the authorization server refused more approval requests for now', {
          cause,
        });
      }
      if (error === 'access_denied') throw new StepUpError('denied', 'the approval request was refused', { cause });
      throw new StepUpError('failed', 'the approval request could not be made', { cause });
    }

    // CIBA §7.3: poll no faster than `interval` (default 5 s), stop at `expires_in`.
    let interval = (started.interval ?? 5) * 1000;
    const deadline = Date.now() + started.expires_in * 1000;
    for (;;) {
      if (options.signal?.aborted) throw new StepUpError('failed', 'the approval was abandoned');
      if (Date.now() >= deadline) throw new StepUpError('expired', 'the approval request expired');
      await sleep(Math.min(interval, Math.max(0, deadline - Date.now())));
      let token: oauth.TokenEndpointResponse;
      try {
        token = await withNonceRetry(request.dpop, async () => {
          const response = await oauth.backchannelAuthenticationGrantRequest(
            as,
            client,
            clientAuth,
            started.auth_req_id,
            {
              ...http,
              ...(request.dpop === undefined ? {} : { DPoP: request.dpop }),
            },
          );
          return oauth.processBackchannelAuthenticationGrantResponse(as, client, response);
        });
      } catch (cause) {
        const error = (cause as { error?: string }).error;
        if (error === 'authorization_pending') continue;
        if (error === 'slow_down') {
          interval += 5000; // CIBA §11: increase the interval by at least 5 seconds
          continue;
        }
        if (error === 'access_denied') throw new StepUpError('denied', 'the user denied the approval', { cause });
        if (error === 'expired_token') throw new StepUpError('expired', 'the approval request expired', { cause });
        throw new StepUpError('failed', 'the token request failed', { cause });
      }
      return toElevated(token, request);
    }
  };
}
