import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { StepUpError } from './errors.js';
import { createStepUpFetch } from './fetch.js';
import type { ElevatedToken, StepUpEvent, StepUpRequest } from './types.js';

const CHALLENGES: Record<string, [number, string, unknown?]> = {
  '/scope': [403, 'Bearer realm="t", error="insufficient_scope", scope="payments:refund"'],
  '/step-up': [
    401,
    'Bearer realm="t", error="insufficient_user_authentication", scope="payments:refund", acr_values="urn:mfa", max_age="600", resource_metadata="https://api.test/.well-known/oauth-protected-resource"',
    { authorization_details: [{ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1' }] },
  ],
  '/invalid': [401, 'Bearer realm="t", error="invalid_token"'],
  '/plain': [401, 'Bearer realm="t"'],
  '/always': [403, 'Bearer realm="t", error="insufficient_scope", scope="x"'],
};

let server: Server;
let base: string;
const seen: { path: string; authorization: string | undefined; body: string }[] = [];

async function bodyOf(req: IncomingMessage): Promise<string> {
  let body = '';
  for await (const chunk of req) body += chunk;
  return body;
}

beforeAll(async () => {
  server = createServer(async (req, res) => {
    const path = req.url ?? '/';
    const body = await bodyOf(req);
    seen.push({ path, authorization: req.headers.authorization, body });
    const refusal = CHALLENGES[path];
    const elevated = req.headers.authorization?.startsWith('Bearer elevated');
    if (refusal !== undefined && (!elevated || path === '/always')) {
      const [status, challenge, json] = refusal;
      res.writeHead(status, { 'www-authenticate': challenge, 'content-type': 'application/json' });
      return res.end(JSON.stringify({ error: 'x', ...(json as object) }));
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ ok: true, body }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function harness(token: Partial<ElevatedToken> = {}, delay = 0) {
  const requests: StepUpRequest[] = [];
  const events: StepUpEvent['type'][] = [];
  let issued = 0;
  const fetch = createStepUpFetch({
    getToken: () => 'baseline',
    heldScopes: ['invoices:read'],
    stepUp: async (request) => {
      requests.push(request);
      await new Promise((resolve) => setTimeout(resolve, delay));
      return { accessToken: `elevated-${++issued}`, expiresAt: Date.now() + 300_000, ...token };
    },
    onEvent: (event) => events.push(event.type),
  });
  return { fetch, requests, events };
}

describe('createStepUpFetch', () => {
  it('answers insufficient_scope once with the union of scopes, and retries once', async () => {
    const { fetch, requests, events } = harness();
    const response = await fetch(`${base}/scope`);
    expect(response.status).toBe(200);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      reason: 'insufficient_scope',
      scope: ['invoices:read', 'payments:refund'],
      method: 'GET',
    });
    expect(events).toEqual(['step-up:pending', 'step-up:approved']);
    expect(seen.at(-1)?.authorization).toBe('Bearer elevated-1');
  });

  it('passes acr_values, max_age, authorization_details and resource_metadata on', async () => {
    const { fetch, requests } = harness();
    expect((await fetch(`${base}/step-up`, { method: 'POST' })).status).toBe(200);
    expect(requests[0]).toEqual({
      reason: 'insufficient_user_authentication',
      scope: ['invoices:read', 'payments:refund'],
      acrValues: ['urn:mfa'],
      maxAge: 600,
      authorizationDetails: [{ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1' }],
      resourceMetadata: 'https://api.test/.well-known/oauth-protected-resource',
      method: 'POST',
      url: `${base}/step-up`,
    });
  });

  it.each(['/invalid', '/plain'])('does not step up on %s', async (path) => {
    const { fetch, requests } = harness();
    expect((await fetch(`${base}${path}`)).status).toBe(401);
    expect(requests).toHaveLength(0);
  });

  it('hands a second refusal to the caller: one step-up, one retry, no loop', async () => {
    const { fetch, requests } = harness();
    const before = seen.length;
    const response = await fetch(`${base}/always`);
    expect(response.status).toBe(403);
    expect(requests).toHaveLength(1);
    expect(seen.length - before).toBe(2);
  });

  it('shares one step-up among concurrent requests that need the same elevation', async () => {
    const { fetch, requests } = harness({}, 50);
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${base}/scope`)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('reuses an elevated token until shortly before exp, but never a single-use one', async () => {
    const reuse = harness();
    await reuse.fetch(`${base}/scope`);
    await reuse.fetch(`${base}/scope`);
    expect(reuse.requests).toHaveLength(1);
    const soon = harness({ expiresAt: Date.now() + 10_000 });
    await soon.fetch(`${base}/scope`);
    await soon.fetch(`${base}/scope`);
    expect(soon.requests).toHaveLength(2);
    const once = harness({ singleUse: true });
    await once.fetch(`${base}/scope`);
    await once.fetch(`${base}/scope`);
    expect(once.requests).toHaveLength(2);
  });

  it('replays the request body on the retry, streams included', async () => {
    const { fetch } = harness();
    const json = await fetch(`${base}/scope`, { method: 'POST', body: JSON.stringify({ amount: 5 }) });
    expect(await json.json()).toEqual({ ok: true, body: '{"amount":5}' });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const streamed = await fetch(`${base}/scope`, { method: 'POST', body: stream, duplex: 'half' } as RequestInit);
    expect(await streamed.json()).toEqual({ ok: true, body: 'streamed' });
  });

  it('refuses clearly when the body was already used', async () => {
    const { fetch } = harness();
    const request = new Request(`${base}/scope`, { method: 'POST', body: 'x' });
    await request.text();
    await expect(fetch(request)).rejects.toMatchObject({ code: 'body_not_replayable' });
  });

  it('reports a denial as an event and a StepUpError', async () => {
    const events: string[] = [];
    const fetch = createStepUpFetch({
      getToken: () => 'baseline',
      stepUp: () => Promise.reject(new StepUpError('denied', 'no')),
      onEvent: (event) => events.push(event.type),
    });
    await expect(fetch(`${base}/scope`)).rejects.toBeInstanceOf(StepUpError);
    expect(events).toEqual(['step-up:pending', 'step-up:denied']);
  });
});
