/**
 * Step-up without a person: a client-credentials grant at the token endpoint asking for the
 * scopes and authorization details the challenge named, once the step-up fetch has checked them
 * against its policy, for the verified resource (for service clients whose authorization server
 * grants them directly).
 */
import * as oauth from 'oauth4webapi';
import { checkBound, withNonceRetry } from '../dpop/token-request.js';
import { StepUpError } from './errors.js';
import type { StepUp, StepUpRequest } from './types.js';

/** Options of {@link tokenEndpointStepUp}. */
export interface TokenEndpointStepUpOptions {
  readonly authorizationServer: oauth.AuthorizationServer;
  readonly client: oauth.Client;
  readonly clientAuth: oauth.ClientAuth;
  /** The RFC 8707 resource indicator; default: the request's verified `resource`. */
  readonly resource?: (request: StepUpRequest) => string;
  readonly allowInsecureRequests?: boolean;
}

/**
 * A {@link StepUp} for a service client: a client-credentials grant for the scopes and
 * authorization details the challenge named. When the fetch has a DPoP key (`request.dpop`), the
 * grant request carries a proof (RFC 9449 §5) and only a DPoP-bound token is accepted. Rejects
 * with {@link StepUpError} `token_not_bound` when the server answers with a Bearer token instead,
 * `failed` on any other failure.
 */
export function tokenEndpointStepUp(options: TokenEndpointStepUpOptions): StepUp {
  const http = options.allowInsecureRequests ? { [oauth.allowInsecureRequests]: true } : {};
  return async (request) => {
    const parameters = new URLSearchParams({
      scope: request.scope.join(' '),
      resource: options.resource?.(request) ?? request.resource,
    });
    if (request.authorizationDetails !== undefined) {
      parameters.set('authorization_details', JSON.stringify(request.authorizationDetails));
    }
    const { dpop } = request;
    let token: oauth.TokenEndpointResponse;
    try {
      const { authorizationServer: as, client, clientAuth } = options;
      const send = { ...http, ...(dpop === undefined ? {} : { DPoP: dpop }) };
      token = await withNonceRetry(dpop, async () => {
        const response = await oauth.clientCredentialsGrantRequest(as, client, clientAuth, parameters, send);
        return oauth.processClientCredentialsResponse(as, client, response);
      });
    } catch (cause) {
      throw new StepUpError('failed', 'the token request failed', { cause });
    }
    checkBound(token, dpop);
    return {
      accessToken: token.access_token,
      ...(token.expires_in === undefined ? {} : { expiresAt: Date.now() + token.expires_in * 1000 }),
      singleUse: request.authorizationDetails !== undefined,
      ...(dpop === undefined ? {} : { tokenType: 'DPoP' as const }),
    };
  };
}
