/**
 * A whole stack for end-to-end tests: the demo authorization server (oidc-provider) and an
 * invoice example as a real process trusting it, plus a client that holds a baseline token
 * and steps up through CIBA.
 */

import {
  type CibaStepUpOptions,
  cibaStepUp,
  createStepUpFetch,
  type StepUp,
  type StepUpEvent,
} from '@actiongate/client';
import {
  type AuthorizationServer,
  type AuthorizationServerOptions,
  DEMO_USERS,
  type PendingApproval,
  startAuthorizationServer,
} from '@actiongate-examples/authorization-server';
import { invoiceScopes } from '@actiongate-examples/invoices-kit';
import * as oauth from 'oauth4webapi';
import { type ExampleName, type RunningExample, startExample } from '../../blackbox/support/example.js';
import { freePort } from '../../support/redis-server.js';
import { decideAs, readInbox, signIn } from './http.js';

export interface Stack {
  readonly as: AuthorizationServer;
  readonly api: RunningExample;
  readonly audience: string;
  readonly metadata: oauth.AuthorizationServer;
  readonly client: oauth.Client;
  readonly clientAuth: oauth.ClientAuth;
  baselineToken(scope?: string): Promise<string>;
  stop(): Promise<void>;
}

const insecure = { [oauth.allowInsecureRequests]: true };

export async function startStack(
  name: ExampleName,
  options: Partial<AuthorizationServerOptions> = {},
  /** More of the example's environment (e.g. `REFUND_REQUIRES_DPOP`). */
  env: Record<string, string> = {},
): Promise<Stack> {
  const port = await freePort();
  const audience = `http://127.0.0.1:${port}`;
  const as = await startAuthorizationServer({ resources: { [audience]: invoiceScopes }, ...options });
  let api: RunningExample;
  try {
    api = await startExample(name, {
      ...env,
      PORT: String(port),
      ISSUER: as.issuer,
      JWKS_URI: as.jwksUri,
      AUDIENCE: audience,
    });
  } catch (error) {
    await as.close();
    throw error;
  }
  const issuer = new URL(as.issuer);
  const metadata = await oauth.processDiscoveryResponse(issuer, await oauth.discoveryRequest(issuer, insecure));
  const client: oauth.Client = { client_id: as.clientId };
  const clientAuth = oauth.ClientSecretPost(as.clientSecret);
  return {
    as,
    api,
    audience,
    metadata,
    client,
    clientAuth,
    async baselineToken(scope = 'invoices:read') {
      const response = await oauth.clientCredentialsGrantRequest(
        metadata,
        client,
        clientAuth,
        { scope, resource: audience },
        insecure,
      );
      return (await oauth.processClientCredentialsResponse(metadata, client, response)).access_token;
    },
    async stop() {
      await api.stop();
      await as.close();
    },
  };
}

/**
 * Decides one approval as its user does: signed in on the inbox with their password, with the
 * page's CSRF token, over HTTP from the server's own origin.
 */
export async function decideOverHttp(stack: Stack, approval: PendingApproval, decision: 'approve' | 'deny') {
  const cookie = await signIn(stack.as.issuer, approval.accountId, DEMO_USERS[approval.accountId] as string);
  const { csrf } = await readInbox(stack.as.issuer, cookie);
  const response = await decideAs(stack.as.issuer, cookie, csrf, approval.id, decision);
  if (response.status !== 303) throw new Error(`the decision was refused: ${response.status} ${response.body}`);
}

/** Approves (or denies) every approval request as it arrives, as the user would, over HTTP. */
export function autoDecide(stack: Stack, decision: 'approve' | 'deny'): void {
  stack.as.inbox.events.on('pending', (approval) => {
    void decideOverHttp(stack, approval, decision);
  });
}

export function cibaFor(stack: Stack, extra: Partial<CibaStepUpOptions> = {}): StepUp {
  return cibaStepUp({
    authorizationServer: stack.metadata,
    client: stack.client,
    clientAuth: stack.clientAuth,
    loginHint: 'alice',
    resource: () => stack.audience,
    allowInsecureRequests: true,
    ...extra,
  });
}

export async function stepUpClient(stack: Stack, stepUp: StepUp = cibaFor(stack)) {
  const baseline = await stack.baselineToken();
  const events: StepUpEvent[] = [];
  let calls = 0;
  const fetch = createStepUpFetch({
    getToken: () => baseline,
    heldScopes: ['invoices:read'],
    allowedResources: [stack.api.url],
    policy: {
      scopes: ['payments:refund', 'invoices:write', 'invoices:delete'],
      authorizationDetailsTypes: ['payment_refund'],
      acrValues: ['urn:actiongate:mfa'],
    },
    stepUp: (request) => {
      calls++;
      return stepUp(request);
    },
    onEvent: (event) => events.push(event),
  });
  return { fetch, events, stepUps: () => calls, baseline };
}
