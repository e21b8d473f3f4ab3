import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, startServer, type TestServer, WELL_KNOWN } from '../../test/servers.js';
import { StepUpError } from './errors.js';
import { createStepUpFetch, type StepUpFetchOptions } from './fetch.js';
import type { ElevatedToken, StepUpEvent, StepUpRequest } from './types.js';

let api: TestServer;

beforeAll(async () => {
  api = await startServer((request, response) => {
    const elevated = request.authorization?.startsWith('Bearer elevated') ?? false;
    const metadata = `${api.origin}${WELL_KNOWN}`;
    const challenge = (status: number, params: string, body: object = {}) =>
      json(response, status, { error: 'x', ...body }, { 'www-authenticate': `Bearer realm="t", ${params}` });
    switch (request.path) {
      case WELL_KNOWN:
        return json(response, 200, { resource: api.origin });
      case '/scope':
        if (!elevated) return challenge(403, 'error="insufficient_scope", scope="payments:refund"');
        break;
      case '/step-up':
        if (!elevated) {
          return challenge(
            401,
            `error="insufficient_user_authentication", scope="payments:refund", acr_values="urn:mfa", max_age="600", resource_metadata="${metadata}"`,
            { authorization_details: [{ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1' }] },
          );
        }
        break;
      case '/invalid':
        return challenge(401, 'error="invalid_token"');
      case '/plain':
        return json(response, 401, {}, { 'www-authenticate': 'Bearer realm="t"' });
      case '/always':
        return challenge(403, 'error="insufficient_scope", scope="x"');
      case '/huge': // a refusal body past 64 KiB, chunked: its details are not read at all
        if (elevated) break;
        response.writeHead(403, {
          'content-type': 'application/json',
          'www-authenticate': 'Bearer realm="t", error="insufficient_scope", scope="payments:refund"',
        });
        response.write('{"authorization_details":[{"type":"payment_refund"}],"pad":"');
        response.end(`${'x'.repeat(70_000)}"}`);
        return;
      case '/huge-declared': // the same, with a Content-Length saying so
        if (elevated) break;
        return json(
          response,
          403,
          { authorization_details: [{ type: 'payment_refund' }], pad: 'x'.repeat(70_000) },
          {
            'www-authenticate': 'Bearer realm="t", error="insufficient_scope", scope="payments:refund"',
          },
        );
      case '/revoked': // every elevated token is refused as invalid, as a revoked or used-up one would be
        if (elevated) return challenge(401, 'error="invalid_token"');
        return challenge(403, 'error="insufficient_scope", scope="payments:refund"');
    }
    return json(response, 200, { ok: true, body: request.body });
  });
});

afterAll(() => api.close());

function harness(token: Partial<ElevatedToken> = {}, delay = 0, extra: Partial<StepUpFetchOptions> = {}) {
  const requests: StepUpRequest[] = [];
  const events: StepUpEvent['type'][] = [];
  const tokenUrls: string[] = [];
  let issued = 0;
  const fetch = createStepUpFetch({
    allowedResources: [api.origin],
    getToken: (url) => {
      tokenUrls.push(url.href);
      return 'baseline';
    },
    heldScopes: ['invoices:read'],
    policy: {
      scopes: ['payments:refund', 'x'],
      authorizationDetailsTypes: ['payment_refund'],
      acrValues: ['urn:mfa'],
    },
    stepUp: async (request) => {
      requests.push(request);
      await new Promise((resolve) => setTimeout(resolve, delay));
      return { accessToken: `elevated-${++issued}`, expiresAt: Date.now() + 300_000, ...token };
    },
    onEvent: (event) => events.push(event.type),
    ...extra,
  });
  return { fetch, requests, events, tokenUrls };
}

describe('createStepUpFetch', () => {
  it('answers insufficient_scope once with the union of scopes, and retries once', async () => {
    const { fetch, requests, events, tokenUrls } = harness();
    const response = await fetch(`${api.origin}/scope`);
    expect(response.status).toBe(200);
    expect(requests).toHaveLength(1);
    expect(requests[0]).toMatchObject({
      reason: 'insufficient_scope',
      scope: ['invoices:read', 'payments:refund'],
      method: 'GET',
      resource: api.origin,
    });
    expect(events).toEqual(['step-up:pending', 'step-up:approved']);
    expect(api.seen.at(-1)?.authorization).toBe('Bearer elevated-1');
    expect(tokenUrls).toEqual([`${api.origin}/scope`]);
  });

  it('passes acr_values, max_age, authorization_details and the verified resource on', async () => {
    const { fetch, requests } = harness();
    expect((await fetch(`${api.origin}/step-up`, { method: 'POST' })).status).toBe(200);
    expect(requests[0]).toEqual({
      reason: 'insufficient_user_authentication',
      scope: ['invoices:read', 'payments:refund'],
      acrValues: ['urn:mfa'],
      maxAge: 600,
      authorizationDetails: [{ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1' }],
      resource: api.origin,
      resourceMetadata: `${api.origin}${WELL_KNOWN}`,
      method: 'POST',
      url: `${api.origin}/step-up`,
    });
  });

  it.each(['/invalid', '/plain'])('does not step up on %s', async (path) => {
    const { fetch, requests } = harness();
    expect((await fetch(`${api.origin}${path}`)).status).toBe(401);
    expect(requests).toHaveLength(0);
  });

  it('hands a second refusal to the caller: one step-up, one retry, no loop', async () => {
    const { fetch, requests } = harness();
    const before = api.seen.length;
    const response = await fetch(`${api.origin}/always`);
    expect(response.status).toBe(403);
    expect(requests).toHaveLength(1);
    expect(api.seen.length - before).toBe(2);
  });

  it('shares one step-up among concurrent requests that need the same elevation', async () => {
    const { fetch, requests } = harness({}, 50);
    const responses = await Promise.all(Array.from({ length: 20 }, () => fetch(`${api.origin}/scope`)));
    expect(responses.every((response) => response.status === 200)).toBe(true);
    expect(requests).toHaveLength(1);
  });

  it('reuses an elevated token until shortly before exp, but never a single-use one', async () => {
    const reuse = harness();
    await reuse.fetch(`${api.origin}/scope`);
    await reuse.fetch(`${api.origin}/scope`);
    expect(reuse.requests).toHaveLength(1);
    const soon = harness({ expiresAt: Date.now() + 10_000 });
    await soon.fetch(`${api.origin}/scope`);
    await soon.fetch(`${api.origin}/scope`);
    expect(soon.requests).toHaveLength(2);
    const once = harness({ singleUse: true });
    await once.fetch(`${api.origin}/scope`);
    await once.fetch(`${api.origin}/scope`);
    expect(once.requests).toHaveLength(2);
  });

  it('never reuses a token whose expiry it does not know', async () => {
    const { fetch, requests } = harness({ expiresAt: undefined });
    expect((await fetch(`${api.origin}/scope`)).status).toBe(200);
    expect((await fetch(`${api.origin}/scope`)).status).toBe(200);
    expect(requests).toHaveLength(2);
    expect(api.seen.slice(-4).map((entry) => entry.authorization)).toEqual([
      'Bearer baseline',
      'Bearer elevated-1',
      'Bearer baseline',
      'Bearer elevated-2',
    ]);
  });

  it('drops a cached token that the retry finds invalid_token, and steps up afresh next time', async () => {
    const { fetch, requests } = harness();
    const first = await fetch(`${api.origin}/revoked`);
    expect(first.status).toBe(401);
    expect(first.headers.get('www-authenticate')).toContain('invalid_token');
    const second = await fetch(`${api.origin}/revoked`);
    expect(second.status).toBe(401);
    expect(requests).toHaveLength(2); // without the drop, the second call would reuse elevated-1
    expect(api.seen.at(-1)?.authorization).toBe('Bearer elevated-2');
  });

  it('invalidate() forgets every cached token, or those of one resource', async () => {
    const { fetch, requests } = harness();
    await fetch(`${api.origin}/scope`);
    await fetch(`${api.origin}/scope`);
    expect(requests).toHaveLength(1);
    fetch.invalidate('http://127.0.0.1:1/'); // another resource: nothing of ours dropped
    await fetch(`${api.origin}/scope`);
    expect(requests).toHaveLength(1);
    fetch.invalidate(`${api.origin}/scope`);
    await fetch(`${api.origin}/scope`);
    expect(requests).toHaveLength(2);
    fetch.invalidate();
    await fetch(`${api.origin}/scope`);
    expect(requests).toHaveLength(3);
  });

  it('does not cache a step-up that was in flight when invalidate() was called', async () => {
    let invalidate = () => {};
    const { fetch, requests } = harness({}, 0, {
      onEvent: (event) => {
        if (event.type === 'step-up:pending') invalidate(); // e.g. the user signs out while approving
      },
    });
    invalidate = () => fetch.invalidate();
    expect((await fetch(`${api.origin}/scope`)).status).toBe(200);
    await fetch(`${api.origin}/scope`);
    expect(requests).toHaveLength(2);
  });

  it('a request made after invalidate() does not join a step-up that was in flight before it', async () => {
    const { fetch, requests } = harness({}, 300);
    const before = fetch(`${api.origin}/scope`);
    for (let i = 0; i < 200 && requests.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(requests).toHaveLength(1); // the first approval is pending
    fetch.invalidate(); // e.g. the user signs out; the next request is someone else's
    const after = await fetch(`${api.origin}/scope`);
    await before;
    expect(after.status).toBe(200);
    expect(requests).toHaveLength(2); // its own approval, not the signed-out user's
    expect(api.seen.at(-1)?.authorization).toBe('Bearer elevated-2');
  });

  it('replays the request body on the retry, streams included', async () => {
    const { fetch } = harness();
    const body = await fetch(`${api.origin}/scope`, { method: 'POST', body: JSON.stringify({ amount: 5 }) });
    expect(await body.json()).toEqual({ ok: true, body: '{"amount":5}' });
    const stream = new ReadableStream({
      start(controller) {
        controller.enqueue(new TextEncoder().encode('streamed'));
        controller.close();
      },
    });
    const streamed = await fetch(`${api.origin}/scope`, {
      method: 'POST',
      body: stream,
      duplex: 'half',
    } as RequestInit);
    expect(await streamed.json()).toEqual({ ok: true, body: 'streamed' });
  });

  it('refuses clearly when the body was already used', async () => {
    const { fetch } = harness();
    const request = new Request(`${api.origin}/scope`, { method: 'POST', body: 'x' });
    await request.text();
    await expect(fetch(request)).rejects.toMatchObject({ code: 'body_not_replayable' });
  });

  it('reports a denial as an event and a StepUpError', async () => {
    const events: string[] = [];
    const fetch = createStepUpFetch({
      allowedResources: [api.origin],
      getToken: () => 'baseline',
      policy: { scopes: ['payments:refund'] },
      stepUp: () => Promise.reject(new StepUpError('denied', 'no')),
      onEvent: (event) => events.push(event.type),
    });
    await expect(fetch(`${api.origin}/scope`)).rejects.toBeInstanceOf(StepUpError);
    expect(events).toEqual(['step-up:pending', 'step-up:denied']);
  });

  it.each(['/huge', '/huge-declared'])('reads at most 64 KiB of a refusal body (%s)', async (path) => {
    const { fetch, requests } = harness();
    expect((await fetch(`${api.origin}${path}`)).status).toBe(200);
    expect(requests[0]?.authorizationDetails).toBeUndefined();
  });

  it('a refused step-up does not wait on the refusal body', async () => {
    const { fetch } = harness({}, 0, { policy: {} });
    await expect(fetch(`${api.origin}/huge-declared`)).rejects.toMatchObject({ code: 'scope_not_allowed' });
    await expect(fetch(`${api.origin}/step-up`, { method: 'POST' })).rejects.toMatchObject({
      code: 'scope_not_allowed',
    });
  });

  it('sends no Authorization header when getToken answers undefined', async () => {
    const { fetch } = harness({}, 0, { getToken: () => undefined });
    await fetch(`${api.origin}/public`);
    expect(api.seen.at(-1)).toMatchObject({ path: '/public', authorization: undefined });
  });
});

describe('what stepUp and getToken produce is checked', () => {
  const cases: [string, () => Promise<unknown>][] = [
    ['a plain Error', () => Promise.reject(new Error('boom'))],
    ['a thrown string', () => Promise.reject('boom')],
    ['a bare string', () => Promise.resolve('elevated-x')],
    ['no accessToken', () => Promise.resolve({ expiresAt: Date.now() + 60_000 })],
    ['an empty accessToken', () => Promise.resolve({ accessToken: '' })],
    ['an accessToken with a space', () => Promise.resolve({ accessToken: 'a b' })],
    ['an accessToken with CRLF', () => Promise.resolve({ accessToken: 'a\r\nX-Evil: 1' })],
    ['a non-numeric expiresAt', () => Promise.resolve({ accessToken: 'ok', expiresAt: 'soon' })],
    ['null', () => Promise.resolve(null)],
  ];

  it.each(cases)('stepUp yielding %s is a StepUpError with cause, and nothing is sent', async (name, stepUp) => {
    const events: StepUpEvent['type'][] = [];
    const fetch = createStepUpFetch({
      allowedResources: [api.origin],
      getToken: () => 'baseline',
      policy: { scopes: ['payments:refund'] },
      stepUp: stepUp as never,
      onEvent: (event) => events.push(event.type),
    });
    const before = api.seen.length;
    const error = await fetch(`${api.origin}/scope`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepUpError);
    const code = (error as StepUpError).code;
    if (name === 'a plain Error' || name === 'a thrown string') {
      expect(code).toBe('failed');
      expect((error as StepUpError).cause).toBe(name === 'a plain Error' ? (error as Error).cause : 'boom');
      if (name === 'a plain Error') expect(((error as Error).cause as Error).message).toBe('boom');
    } else {
      expect(code).toBe('malformed_token');
    }
    expect(api.seen.length - before).toBe(1); // the refused request only: no retry, no `Bearer undefined`
    expect(api.seen.some((entry) => entry.authorization === 'Bearer undefined')).toBe(false);
    expect(events).toEqual(['step-up:pending', 'step-up:failed']);
  });

  it('a getToken answer that is not a b64token is refused before anything is sent', async () => {
    const fetch = createStepUpFetch({
      allowedResources: [api.origin],
      getToken: () => 'two words',
      stepUp: async () => ({ accessToken: 'x' }),
    });
    const before = api.seen.length;
    await expect(fetch(`${api.origin}/scope`)).rejects.toMatchObject({ code: 'malformed_token' });
    expect(api.seen.length).toBe(before);
  });
});

describe('configuration', () => {
  it.each([
    [undefined, 'allowedResources'],
    [[], 'allowedResources'],
    [['api.example.com'], 'allowedResources[0]'],
    [['https://api.example.com', 'ftp://x'], 'allowedResources[1]'],
    [['https://api.example.com/#x'], 'allowedResources[0]'],
    [['https://user:pw@api.example.com'], 'allowedResources[0]'],
  ])('refuses allowedResources %j at creation', (allowedResources, option) => {
    expect(() =>
      createStepUpFetch({
        allowedResources: allowedResources as never,
        getToken: () => 'x',
        stepUp: async () => ({ accessToken: 'x' }),
      }),
    ).toThrow(expect.objectContaining({ name: 'ConfigurationError', option }));
  });
});
