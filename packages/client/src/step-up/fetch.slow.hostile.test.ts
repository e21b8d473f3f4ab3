/**
 * An allowed resource that sends a refusal's headers and then drips its body forever, on a real
 * server on 127.0.0.1: reading the body for `authorization_details` must not hang the call.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { startServer, type TestServer } from '../../test/servers.js';
import { createStepUpFetch } from './fetch.js';
import type { StepUpRequest } from './types.js';

let server: TestServer;
const open = new Set<NodeJS.Timeout>();

beforeAll(async () => {
  server = await startServer((request, response) => {
    if (request.authorization === 'Bearer elevated-token') {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      return;
    }
    response.writeHead(403, {
      'content-type': 'application/json',
      'www-authenticate': 'Bearer error="insufficient_scope", scope="payments:refund"',
    });
    response.write('{"authorization_details": [');
    const drip = setInterval(() => response.write(' '), 100); // never ends
    open.add(drip);
    response.on('close', () => clearInterval(drip));
  });
});

afterAll(async () => {
  for (const drip of open) clearInterval(drip);
  await server.close();
});

it('a refusal body that never ends is given up after the timeout: the step-up goes on without details', async () => {
  const asked: StepUpRequest[] = [];
  const fetch = createStepUpFetch({
    allowedResources: [server.origin],
    getToken: () => 'baseline-token',
    policy: { scopes: ['payments:refund'] },
    metadata: { timeout: 500 },
    stepUp: (request) => {
      asked.push(request);
      return Promise.resolve({ accessToken: 'elevated-token' });
    },
  });
  // Bounded by the test: without the fix the call never settles.
  const outcome = await Promise.race([
    fetch(`${server.origin}/refund`, { method: 'POST' }).then((response) => response.status),
    new Promise((resolve) => setTimeout(resolve, 15_000, 'still waiting')),
  ]);
  expect(outcome).toBe(200);
  expect(asked).toHaveLength(1);
  expect(asked[0]?.authorizationDetails).toBeUndefined();
}, 30_000);
