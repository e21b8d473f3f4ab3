/**
 * Path-scoped resources on a shared origin (`https://host/tenant-a` and `https://host/tenant-b`
 * are different RFC 9728 resources), attacked with a real server on 127.0.0.1: the client is
 * told to trust `/tenant-a` only, and neither its metadata nor a redirect may widen that.
 */
import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { json, type Seen, startServer, type TestServer, WELL_KNOWN } from '../../test/servers.js';
import type { StepUpErrorCode } from './errors.js';
import { createStepUpFetch } from './fetch.js';
import type { StepUpRequest } from './types.js';

type Route = (request: Seen, response: ServerResponse) => void;
const routes = new Map<string, Route>();
let host: TestServer;

beforeAll(async () => {
  host = await startServer((request, response) => {
    const route = routes.get(request.path.split('?')[0] ?? '');
    if (route !== undefined) return route(request, response);
    json(response, 404, { error: 'not_found' });
  });
});
afterAll(() => host.close());
beforeEach(() => {
  host.seen.length = 0;
  routes.clear();
});

const challenge = (response: ServerResponse, metadataPath: string) =>
  json(
    response,
    403,
    { error: 'insufficient_scope' },
    {
      'www-authenticate': `Bearer error="insufficient_scope", scope="payments:refund", resource_metadata="${host.origin}${metadataPath}"`,
    },
  );

function client(allowedResources = [`${host.origin}/tenant-a`]) {
  const asked: StepUpRequest[] = [];
  const fetch = createStepUpFetch({
    allowedResources,
    getToken: () => 'baseline-token',
    policy: { scopes: ['payments:refund'] },
    stepUp: (request) => {
      asked.push(request);
      return Promise.resolve({ accessToken: 'elevated-token', expiresAt: Date.now() + 300_000 });
    },
  });
  return { fetch, asked };
}

const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: { code?: StepUpErrorCode }) => error.code,
  );

describe('a path-scoped allowed resource stays path-scoped', () => {
  it('metadata describing the whole origin is refused: the token would be good for every tenant', async () => {
    routes.set(WELL_KNOWN, (_, response) => json(response, 200, { resource: host.origin }));
    routes.set('/tenant-a/refund', (_, response) => challenge(response, WELL_KNOWN));
    const { fetch, asked } = client();
    expect(await codeOf(fetch(`${host.origin}/tenant-a/refund`, { method: 'POST' }))).toBe('resource_mismatch');
    expect(asked).toEqual([]);
  });

  it('metadata naming the allowed resource itself (or a path below it) is accepted', async () => {
    routes.set(`${WELL_KNOWN}/tenant-a`, (_, response) => json(response, 200, { resource: `${host.origin}/tenant-a` }));
    routes.set('/tenant-a/refund', (request, response) =>
      request.authorization === 'Bearer elevated-token'
        ? json(response, 200, {})
        : challenge(response, `${WELL_KNOWN}/tenant-a`),
    );
    const { fetch, asked } = client();
    expect((await fetch(`${host.origin}/tenant-a/refund`, { method: 'POST' })).status).toBe(200);
    expect(asked.map((request) => request.resource)).toEqual([`${host.origin}/tenant-a`]);
  });

  it('metadata describing the whole origin is accepted when the origin itself is allowed too', async () => {
    routes.set(WELL_KNOWN, (_, response) => json(response, 200, { resource: host.origin }));
    routes.set('/tenant-a/refund', (request, response) =>
      request.authorization === 'Bearer elevated-token' ? json(response, 200, {}) : challenge(response, WELL_KNOWN),
    );
    const { fetch, asked } = client([`${host.origin}/tenant-a`, host.origin]);
    expect((await fetch(`${host.origin}/tenant-a/refund`, { method: 'POST' })).status).toBe(200);
    expect(asked.map((request) => request.resource)).toEqual([host.origin]);
  });

  it('a same-origin redirect out of the allowed path carries no token', async () => {
    routes.set('/tenant-a/go', (_, response) => response.writeHead(302, { location: '/tenant-b/landing' }).end());
    routes.set('/tenant-b/landing', (_, response) => json(response, 200, { landed: true }));
    const response = await client().fetch(`${host.origin}/tenant-a/go`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ landed: true });
    expect(host.seen.map((entry) => [entry.path, entry.authorization])).toEqual([
      ['/tenant-a/go', 'Bearer baseline-token'],
      ['/tenant-b/landing', undefined],
    ]);
  });

  it('a redirect within the allowed path keeps the token, and a 307 sends the body again', async () => {
    routes.set('/tenant-a/old', (_, response) => response.writeHead(307, { location: '/tenant-a/new' }).end());
    routes.set('/tenant-a/new', (request, response) => json(response, 200, { body: request.body }));
    const response = await client().fetch(`${host.origin}/tenant-a/old`, { method: 'POST', body: 'amount=5' });
    expect(await response.json()).toEqual({ body: 'amount=5' });
    expect(host.seen.map((entry) => [entry.path, entry.authorization, entry.body])).toEqual([
      ['/tenant-a/old', 'Bearer baseline-token', 'amount=5'],
      ['/tenant-a/new', 'Bearer baseline-token', 'amount=5'],
    ]);
  });

  it('an encoded slash that leads out of the allowed path after decoding gets no token', async () => {
    routes.set('/tenant-a/..%2Ftenant-b/refund', (_, response) => json(response, 200, {}));
    const { fetch } = client();
    await fetch(`${host.origin}/tenant-a/..%2Ftenant-b/refund`);
    expect(host.seen.map((entry) => [entry.path, entry.authorization])).toEqual([
      ['/tenant-a/..%2Ftenant-b/refund', undefined],
    ]);
  });

  it('a redirect loop ends after 20 hops with a TypeError, as fetch ends it', async () => {
    routes.set('/tenant-a/loop', (_, response) => response.writeHead(302, { location: '/tenant-a/loop' }).end());
    const outcome = await client()
      .fetch(`${host.origin}/tenant-a/loop`)
      .then(
        () => 'resolved',
        (error: Error) => error.name,
      );
    expect(outcome).toBe('TypeError');
    expect(host.seen).toHaveLength(21); // the request and 20 redirects followed
  });

  it('a redirect to another scheme is not followed', async () => {
    routes.set('/tenant-a/ftp', (_, response) => response.writeHead(302, { location: 'ftp://127.0.0.1/x' }).end());
    await expect(client().fetch(`${host.origin}/tenant-a/ftp`)).rejects.toThrow(TypeError);
  });

  it('a challenge from where a redirect led, outside the allowed path, is not answered', async () => {
    routes.set(`${WELL_KNOWN}/tenant-a`, (_, response) => json(response, 200, { resource: `${host.origin}/tenant-a` }));
    routes.set('/tenant-a/go', (_, response) => response.writeHead(307, { location: '/tenant-b/refund' }).end());
    routes.set('/tenant-b/refund', (_, response) => challenge(response, `${WELL_KNOWN}/tenant-a`));
    const { fetch, asked } = client();
    const response = await fetch(`${host.origin}/tenant-a/go`, { method: 'POST' });
    expect(response.status).toBe(403);
    expect(asked).toEqual([]);
    expect(host.seen.filter((entry) => entry.path === '/tenant-b/refund').map((entry) => entry.authorization)).toEqual([
      undefined,
    ]);
  });
});
