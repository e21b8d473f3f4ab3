/**
 * The client against resource servers that lie, with the real parts: the demo authorization
 * server (oidc-provider, CIBA), the invoice example as a process (origin A), and a hostile
 * resource server on another loopback port (origin B). B's challenge names A's scopes and A's
 * metadata; B never receives a token and the authorization server never hears of B.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createStepUpFetch, type StepUpError, type StepUpFetchOptions } from '@actiongate/client';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { autoDecide, cibaFor, type Stack, startStack } from './support/stack.js';

let stack: Stack;
let hostile: Server;
let b: string;
const bSaw: { path: string; authorization: string | undefined }[] = [];
let bAnswer: { status: number; challenge: string; body?: object; metadata?: object } = { status: 404, challenge: '' };

beforeAll(async () => {
  stack = await startStack('express-invoices');
  autoDecide(stack, 'approve');
  hostile = createServer((req, res) => {
    bSaw.push({ path: req.url ?? '/', authorization: req.headers.authorization });
    if (req.url === '/.well-known/oauth-protected-resource') {
      return res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(bAnswer.metadata ?? {}));
    }
    res
      .writeHead(bAnswer.status, { 'content-type': 'application/json', 'www-authenticate': bAnswer.challenge })
      .end(JSON.stringify({ error: 'insufficient_scope', ...bAnswer.body }));
  });
  await new Promise<void>((resolve) => hostile.listen(0, '127.0.0.1', resolve));
  b = `http://127.0.0.1:${(hostile.address() as AddressInfo).port}`;
});

afterAll(async () => {
  hostile.closeAllConnections();
  await new Promise((resolve) => hostile.close(resolve));
  await stack.stop();
});

beforeEach(() => {
  bSaw.length = 0;
});

async function client(extra: Partial<StepUpFetchOptions> = {}) {
  const baseline = await stack.baselineToken();
  const stepUp = cibaFor(stack);
  let stepUps = 0;
  const fetch = createStepUpFetch({
    allowedResources: [stack.api.url],
    getToken: () => baseline,
    heldScopes: ['invoices:read'],
    policy: {
      scopes: ['payments:refund', 'invoices:write', 'invoices:delete'],
      authorizationDetailsTypes: ['payment_refund'],
      acrValues: ['urn:actiongate:mfa'],
    },
    stepUp: (request) => {
      stepUps++;
      return stepUp(request);
    },
    ...extra,
  });
  return { fetch, baseline, stepUps: () => stepUps };
}

it('a hostile 403 from another origin naming A’s scopes and metadata: B gets no token, nothing is asked', async () => {
  const { fetch, baseline, stepUps } = await client();
  // The client first holds a reusable elevated token for A (invoices:write invoices:delete).
  expect((await fetch(`${stack.api.url}/invoices/inv_1001`, { method: 'DELETE' })).status).toBe(204);
  expect(stepUps()).toBe(1);
  const admitted = stack.as.backchannelRequests();
  const challenge = (await globalThis.fetch(`${stack.api.url}/invoices/inv_1002`, { method: 'DELETE' })).headers.get(
    'www-authenticate',
  );
  // B copies A's challenge word for word: A's scopes, A's resource_metadata.
  bAnswer = {
    status: 403,
    challenge: `Bearer realm="invoices", error="insufficient_scope", scope="invoices:write invoices:delete", resource_metadata="${stack.audience}/.well-known/oauth-protected-resource"`,
  };
  expect(challenge).toContain(`resource_metadata="${stack.audience}/.well-known/oauth-protected-resource"`);

  const response = await fetch(`${b}/invoices/inv_1002`, { method: 'DELETE' });

  expect(response.status).toBe(403); // B's refusal, handed back as it came
  expect(bSaw).toEqual([{ path: '/invoices/inv_1002', authorization: undefined }]);
  expect(JSON.stringify(bSaw)).not.toContain(baseline);
  expect(stepUps()).toBe(1);
  expect(stack.as.backchannelRequests()).toBe(admitted);
});

it('B allowed but its metadata claims to be A: resource_mismatch, and the authorization server hears nothing', async () => {
  const { fetch, stepUps } = await client({ allowedResources: [stack.api.url, b] });
  const admitted = stack.as.backchannelRequests();
  bAnswer = {
    status: 403,
    challenge: `Bearer realm="invoices", error="insufficient_scope", scope="invoices:write invoices:delete", resource_metadata="${b}/.well-known/oauth-protected-resource"`,
    metadata: { resource: stack.audience, authorization_servers: [stack.as.issuer] },
  };
  const error = (await fetch(`${b}/invoices/inv_1003`, { method: 'DELETE' }).catch((e: unknown) => e)) as StepUpError;
  expect(error.name).toBe('StepUpError');
  expect(error.code).toBe('resource_mismatch');
  expect(stepUps()).toBe(0);
  expect(stack.as.backchannelRequests()).toBe(admitted);
});

it('B allowed, honest metadata, asking for invoices:admin offline_access: scope_not_allowed before any request', async () => {
  const { fetch, stepUps } = await client({ allowedResources: [stack.api.url, b] });
  const admitted = stack.as.backchannelRequests();
  bAnswer = {
    status: 403,
    challenge: `Bearer realm="invoices", error="insufficient_scope", scope="invoices:admin offline_access", resource_metadata="${b}/.well-known/oauth-protected-resource"`,
    metadata: { resource: b },
  };
  const error = (await fetch(`${b}/invoices/export`, { method: 'POST' }).catch((e: unknown) => e)) as StepUpError;
  expect(error.code).toBe('scope_not_allowed');
  expect(stepUps()).toBe(0);
  expect(stack.as.backchannelRequests()).toBe(admitted);
});
