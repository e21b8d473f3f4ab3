/**
 * The trust boundaries of the step-up fetch, attacked with real servers on 127.0.0.1 (each port
 * its own origin) and a real token endpoint reached through oauth4webapi: a server may lie in
 * its challenge, in its metadata, or point at someone else's, and the client must neither hand
 * it a token nor ask the authorization server for anything.
 */
import type { ServerResponse } from 'node:http';
import type * as oauth from 'oauth4webapi';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { json, type Seen, startServer, type TestServer, WELL_KNOWN } from '../../test/servers.js';
import type { StepUpErrorCode } from './errors.js';
import { createStepUpFetch, type StepUpFetchOptions } from './fetch.js';
import { tokenEndpointStepUp } from './token-endpoint.js';

type Route = (request: Seen, response: ServerResponse) => void;
const routes = new Map<string, Map<string, Route>>();
let a: TestServer; // the honest resource the client works with
let b: TestServer; // another origin, hostile
let c: TestServer; // a third origin nobody trusts
let as: TestServer; // the authorization server's token endpoint
let issued = 0;

const serve = (name: string) => (request: Seen, response: ServerResponse) => {
  const route = routes.get(name)?.get(request.path.split('?')[0] ?? '');
  if (route !== undefined) return route(request, response);
  json(response, 404, { error: 'not_found' });
};

function route(server: string, path: string, handler: Route) {
  routes.get(server)?.set(path, handler);
}

const refusal = (response: ServerResponse, status: number, params: string, body: object = {}) =>
  json(response, status, { error: 'x', ...body }, { 'www-authenticate': `Bearer realm="t", ${params}` });

/** A guarded route: a token the authorization server issued passes, anything else gets `challenge`. */
const guarded =
  (challenge: (response: ServerResponse) => void): Route =>
  (request, response) => {
    if (request.authorization?.startsWith('Bearer as-token-')) return json(response, 200, { ok: true });
    challenge(response);
  };

beforeAll(async () => {
  for (const name of ['a', 'b', 'c']) routes.set(name, new Map());
  [a, b, c] = await Promise.all([startServer(serve('a')), startServer(serve('b')), startServer(serve('c'))]);
  as = await startServer((request, response) => {
    if (request.method === 'POST' && request.path === '/token') {
      return json(response, 200, { access_token: `as-token-${++issued}`, token_type: 'bearer', expires_in: 300 });
    }
    json(response, 404, {});
  });
});

afterAll(() => Promise.all([a, b, c, as].map((server) => server.close())));

beforeEach(() => {
  for (const server of [a, b, c, as]) server.seen.length = 0;
  for (const table of routes.values()) table.clear();
  route('a', WELL_KNOWN, (_, response) => json(response, 200, { resource: a.origin }));
  route('b', WELL_KNOWN, (_, response) => json(response, 200, { resource: b.origin }));
  route(
    'a',
    '/refund',
    guarded((response) =>
      refusal(
        response,
        403,
        `error="insufficient_scope", scope="payments:refund", resource_metadata="${a.origin}${WELL_KNOWN}"`,
      ),
    ),
  );
});

function client(extra: Partial<StepUpFetchOptions> = {}) {
  const tokenAsked: string[] = [];
  const metadata: oauth.AuthorizationServer = { issuer: as.origin, token_endpoint: `${as.origin}/token` };
  const fetch = createStepUpFetch({
    allowedResources: [a.origin],
    getToken: (url) => {
      tokenAsked.push(url.href);
      return 'baseline-token';
    },
    heldScopes: ['invoices:read'],
    policy: { scopes: ['payments:refund'], authorizationDetailsTypes: ['payment_refund'], acrValues: ['urn:mfa'] },
    stepUp: tokenEndpointStepUp({
      authorizationServer: metadata,
      client: { client_id: 'agent' },
      clientAuth: (_as, _client, body) => body.set('client_id', 'agent'),
      allowInsecureRequests: true,
    }),
    ...extra,
  });
  return { fetch, tokenAsked };
}

const tokenRequests = () => as.seen.filter((entry) => entry.path === '/token');
const codeOf = (promise: Promise<unknown>) =>
  promise.then(
    () => 'resolved',
    (error: { code?: StepUpErrorCode }) => error.code,
  );

describe('another origin never gets a token', () => {
  it('B answers 403 naming A’s scopes and A’s metadata: B sees no token, nothing is asked, its 403 comes back', async () => {
    const { fetch, tokenAsked } = client();
    // The client holds an elevated token for A: the old cache, keyed on resource_metadata, handed it to B.
    expect((await fetch(`${a.origin}/refund`, { method: 'POST' })).status).toBe(200);
    expect(tokenRequests()).toHaveLength(1);
    route('b', '/refund', (_, response) =>
      refusal(
        response,
        403,
        `error="insufficient_scope", scope="payments:refund", resource_metadata="${a.origin}${WELL_KNOWN}"`,
      ),
    );

    const response = await fetch(`${b.origin}/refund`, { method: 'POST' });

    expect(response.status).toBe(403);
    expect(b.seen).toHaveLength(1); // one request, no retry
    expect(b.seen[0]?.authorization).toBeUndefined(); // neither A’s elevated token nor the baseline
    expect(tokenRequests()).toHaveLength(1); // no step-up for B
    expect(tokenAsked).toEqual([`${a.origin}/refund`]); // getToken was never asked for B’s URL
  });

  it('the baseline token goes to allowed resources only, by origin and by path prefix', async () => {
    const { fetch, tokenAsked } = client({ allowedResources: [`${a.origin}/mcp`] });
    route('a', '/mcp/tools', (_, response) => json(response, 200, {}));
    await fetch(`${a.origin}/mcp/tools`);
    await fetch(`${a.origin}/mcpx`);
    await fetch(`${a.origin}/other`);
    await fetch(`${b.origin}/mcp/tools`);
    expect(a.seen.map((entry) => [entry.path, entry.authorization])).toEqual([
      ['/mcp/tools', 'Bearer baseline-token'],
      ['/mcpx', undefined],
      ['/other', undefined],
    ]);
    expect(b.seen[0]?.authorization).toBeUndefined();
    expect(tokenAsked).toEqual([`${a.origin}/mcp/tools`]);
  });

  it('a redirect from an allowed resource to another origin does not carry the token along', async () => {
    route('a', '/go', (_, response) => response.writeHead(302, { location: `${b.origin}/landing` }).end());
    route('b', '/landing', (_, response) => json(response, 200, {}));
    expect((await client().fetch(`${a.origin}/go`)).status).toBe(200);
    expect(a.seen[0]?.authorization).toBe('Bearer baseline-token');
    expect(b.seen).toEqual([expect.objectContaining({ path: '/landing', authorization: undefined })]);
  });

  it('elevated tokens are kept per resource: an allowed B with A’s challenge gets its own, never A’s', async () => {
    const { fetch } = client({ allowedResources: [a.origin, b.origin] });
    route(
      'b',
      '/refund',
      guarded((response) =>
        refusal(
          response,
          403,
          `error="insufficient_scope", scope="payments:refund", resource_metadata="${b.origin}${WELL_KNOWN}"`,
        ),
      ),
    );
    expect((await fetch(`${a.origin}/refund`, { method: 'POST' })).status).toBe(200);
    expect((await fetch(`${b.origin}/refund`, { method: 'POST' })).status).toBe(200);
    expect(a.seen.at(-1)?.authorization).toBe(`Bearer as-token-${issued - 1}`);
    expect(b.seen.at(-1)?.authorization).toBe(`Bearer as-token-${issued}`);
    const resources = tokenRequests().map((entry) => new URLSearchParams(entry.body).get('resource'));
    expect(resources).toEqual([a.origin, b.origin]); // the verified identifiers, sent as RFC 8707 resource
  });
});

describe('metadata that lies, or lives elsewhere, stops the step-up before the authorization server', () => {
  const allowAB = () => ({ allowedResources: [a.origin, b.origin] });

  it('B (allowed) names A’s metadata: A describes A, not B → resource_mismatch', async () => {
    route('b', '/x', (_, response) =>
      refusal(
        response,
        403,
        `error="insufficient_scope", scope="payments:refund", resource_metadata="${a.origin}${WELL_KNOWN}"`,
      ),
    );
    expect(await codeOf(client(allowAB()).fetch(`${b.origin}/x`))).toBe('resource_mismatch');
    expect(a.seen.map((entry) => entry.path)).toEqual([WELL_KNOWN]);
    expect(tokenRequests()).toHaveLength(0);
    expect(b.seen).toHaveLength(1);
  });

  it.each([
    ['at the well-known URL', WELL_KNOWN],
    ['at another path', '/meta.json'],
  ])('B’s own metadata %s claims to describe A → resource_mismatch', async (_, path) => {
    route('b', path, (_request, response) => json(response, 200, { resource: a.origin }));
    route('b', '/x', (_request, response) =>
      refusal(
        response,
        403,
        `error="insufficient_scope", scope="payments:refund", resource_metadata="${b.origin}${path}"`,
      ),
    );
    expect(await codeOf(client(allowAB()).fetch(`${b.origin}/x`))).toBe('resource_mismatch');
    expect(tokenRequests()).toHaveLength(0);
  });

  it('a well-known URL for a path must describe that path (RFC 9728 §3.3)', async () => {
    route('b', `${WELL_KNOWN}/mcp`, (_request, response) => json(response, 200, { resource: b.origin }));
    route('b', '/mcp/x', (_request, response) =>
      refusal(
        response,
        403,
        `error="insufficient_scope", scope="payments:refund", resource_metadata="${b.origin}${WELL_KNOWN}/mcp"`,
      ),
    );
    expect(await codeOf(client(allowAB()).fetch(`${b.origin}/mcp/x`))).toBe('resource_mismatch');
    expect(tokenRequests()).toHaveLength(0);
  });

  it('metadata at an origin nobody trusts is not even fetched → metadata_not_allowed', async () => {
    route('c', WELL_KNOWN, (_, response) => json(response, 200, { resource: a.origin }));
    route('a', '/x', (_, response) =>
      refusal(
        response,
        403,
        `error="insufficient_scope", scope="payments:refund", resource_metadata="${c.origin}${WELL_KNOWN}"`,
      ),
    );
    expect(await codeOf(client().fetch(`${a.origin}/x`))).toBe('metadata_not_allowed');
    expect(c.seen).toHaveLength(0);
    expect(tokenRequests()).toHaveLength(0);
  });

  const faults: [string, Route][] = [
    ['answers 500', (_, response) => json(response, 500, {})],
    [
      'redirects to a document that would pass',
      (_, response) => response.writeHead(302, { location: `${a.origin}/meta-ok` }).end(),
    ],
    ['is not JSON', (_, response) => response.writeHead(200, { 'content-type': 'application/json' }).end('{resource')],
    ['has no resource', (_, response) => json(response, 200, { authorization_servers: [] })],
    ['is 64 KiB', (_, response) => json(response, 200, { resource: a.origin, pad: 'x'.repeat(65_536) })],
    [
      'is 64 KiB with no Content-Length',
      (_, response) => {
        response.writeHead(200, { 'content-type': 'application/json' }); // chunked
        response.write(`{"resource":"${a.origin}","pad":"`);
        response.end(`${'x'.repeat(65_536)}"}`);
      },
    ],
    ['never answers', () => {}],
  ];

  it.each(faults)('metadata that %s → metadata_unavailable, nothing asked', async (_, handler) => {
    route('a', '/meta', handler);
    route('a', '/meta-ok', (_request, response) => json(response, 200, { resource: a.origin }));
    route('a', '/x', (_request, response) =>
      refusal(
        response,
        403,
        `error="insufficient_scope", scope="payments:refund", resource_metadata="${a.origin}/meta"`,
      ),
    );
    const { fetch } = client({ metadata: { timeout: 300 } });
    expect(await codeOf(fetch(`${a.origin}/x`))).toBe('metadata_unavailable');
    expect(a.seen.map((entry) => entry.path)).toEqual(['/x', '/meta']); // the redirect is not followed
    expect(tokenRequests()).toHaveLength(0);
  });

  it('fetches a metadata document once and reuses it', async () => {
    const { fetch } = client();
    await Promise.all([
      fetch(`${a.origin}/refund`, { method: 'POST' }),
      fetch(`${a.origin}/refund`, { method: 'POST' }),
    ]);
    await fetch(`${a.origin}/refund`, { method: 'POST' });
    expect(a.seen.filter((entry) => entry.path === WELL_KNOWN)).toHaveLength(1);
  });
});

describe('the policy limits what a resource server can make the client ask for', () => {
  const hostile = (params: string, body: object = {}) =>
    route('a', '/x', (_, response) =>
      refusal(
        response,
        403,
        `error="insufficient_scope", ${params}, resource_metadata="${a.origin}${WELL_KNOWN}"`,
        body,
      ),
    );
  const details = (entry: object) => ({ authorization_details: [entry] });

  it.each<[string, string, object, StepUpErrorCode, Partial<StepUpFetchOptions>?]>([
    ['invoices:admin offline_access', 'scope="invoices:admin offline_access"', {}, 'scope_not_allowed'],
    ['one allowed scope and one not', 'scope="payments:refund invoices:admin"', {}, 'scope_not_allowed'],
    [
      'a foreign details type',
      'scope="payments:refund"',
      details({ type: 'account_transfer', amount: 1e6 }),
      'details_not_allowed',
    ],
    ['details without a type', 'scope="payments:refund"', details({ actions: ['refund'] }), 'details_not_allowed'],
    [
      'details used elsewhere (locations)',
      'scope="payments:refund"',
      details({ type: 'payment_refund', locations: ['https://evil.example'] }),
      'details_not_allowed',
    ],
    [
      'details the predicate refuses',
      'scope="payments:refund"',
      details({ type: 'payment_refund', actions: ['refund', 'delete'] }),
      'details_not_allowed',
      {
        policy: {
          scopes: ['payments:refund'],
          authorizationDetailsTypes: ['payment_refund'],
          authorizationDetails: (entry) => Array.isArray(entry.actions) && entry.actions.every((x) => x === 'refund'),
        },
      },
    ],
    ['a foreign acr', 'scope="payments:refund", acr_values="urn:mfa urn:evil"', {}, 'acr_not_allowed'],
    [
      'a max_age under the floor',
      'scope="payments:refund", max_age="0"',
      {},
      'max_age_not_allowed',
      { policy: { scopes: ['payments:refund'], minMaxAge: 60 } },
    ],
    [
      'any new scope, under the default policy',
      'scope="payments:refund"',
      {},
      'scope_not_allowed',
      { policy: undefined },
    ],
  ])(
    'a challenge asking for %s → %s before the authorization server hears of it',
    async (_, params, body, code, extra) => {
      hostile(params, body);
      expect(await codeOf(client(extra).fetch(`${a.origin}/x`))).toBe(code);
      expect(as.seen).toHaveLength(0);
    },
  );

  it('what the policy allows goes through, with the details as sent', async () => {
    route(
      'a',
      '/x',
      guarded((response) =>
        refusal(
          response,
          403,
          `error="insufficient_scope", scope="payments:refund", resource_metadata="${a.origin}${WELL_KNOWN}"`,
          details({ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1', locations: [`${a.origin}/`] }),
        ),
      ),
    );
    expect((await client().fetch(`${a.origin}/x`)).status).toBe(200);
    const sent = new URLSearchParams(tokenRequests()[0]?.body);
    expect(sent.get('scope')).toBe('invoices:read payments:refund');
    expect(JSON.parse(sent.get('authorization_details') ?? '[]')).toEqual([
      { type: 'payment_refund', actions: ['refund'], identifier: 'inv_1', locations: [`${a.origin}/`] },
    ]);
  });
});
