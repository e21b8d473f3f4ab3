/**
 * RFC 9728 §3.1 under a router prefix: the document lives at the path derived from the resource
 * identifier, from the origin's root, and every challenge's `resource_metadata` resolves to it.
 */
import { createGate, type DecisionEvent, defineActions } from '@actiongate/core';
import Router from '@koa/router';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, ISSUER, type TestIssuer } from '../../core/test/tokens.js';
import { type Listening, listen, resourceMetadataOf } from '../../express/test/serve.js';
import { actiongate } from './index.js';

const actions = defineActions({ read: { scopes: ['invoices:read'] } });
const WELL_KNOWN = '/.well-known/oauth-protected-resource';
let issuer: TestIssuer;
let server: Listening | undefined;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const versions: [string, () => Koa3][] = [
  ['Koa 3', () => new Koa3()],
  ['Koa 2', () => new Koa2() as unknown as Koa3],
];

describe.each(versions)('%s: a router with the prefix /v1', (_, createApp) => {
  const events: DecisionEvent[] = [];

  async function start(mount: 'app' | 'router' | 'stripped'): Promise<{ origin: string; resource: string }> {
    server = await listen();
    const resource = `${server.origin}/v1`;
    const gate = createGate({
      actions,
      resource,
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      onDecision: (event) => void events.push(event),
    });
    const { requireAction, metadata } = actiongate(gate);
    const router = new Router({ prefix: '/v1' });
    if (mount === 'router') router.use(metadata);
    router.get('/invoices', requireAction('read'), (ctx) => {
      ctx.body = { invoices: [] };
    });
    const app = createApp();
    app.silent = true;
    if (mount === 'app') app.use(metadata);
    if (mount === 'stripped') {
      // What koa-mount does for a sub-app at /v1: it strips the prefix from ctx.path.
      app.use(async (ctx, next) => {
        if (!ctx.path.startsWith('/v1/')) return next();
        ctx.path = ctx.path.slice(3);
        await metadata(ctx, next);
      });
    }
    app.use(router.routes());
    server.handle(app.callback());
    return { origin: server.origin, resource };
  }

  it('metadata on the app: the challenge URL resolves to the document over HTTP, and nothing else does', async () => {
    const { origin, resource } = await start('app');
    const refused = await fetch(`${origin}/v1/invoices`);
    expect(refused.status).toBe(401);
    const url = resourceMetadataOf(refused.headers.get('www-authenticate'));
    expect(url).toBe(`${origin}${WELL_KNOWN}/v1`);
    const document = await fetch(url as string);
    expect(document.status).toBe(200);
    expect(document.headers.get('content-type')).toMatch(/^application\/json/);
    expect(await document.json()).toMatchObject({ resource, scopes_supported: ['invoices:read'] });
    expect((await fetch(`${url}?probe=1`)).status).toBe(200);
    expect((await fetch(url as string, { method: 'HEAD' })).status).toBe(200);
    for (const elsewhere of [`/v1${WELL_KNOWN}/v1`, WELL_KNOWN, `${WELL_KNOWN}/v1/`, `${WELL_KNOWN}/v1x`]) {
      expect((await fetch(`${origin}${elsewhere}`)).status, elsewhere).toBe(404);
    }
    const token = await issuer.mint({ aud: resource, scope: 'invoices:read' });
    events.length = 0;
    const allowed = await fetch(`${origin}/v1/invoices`, { headers: { authorization: `Bearer ${token}` } });
    expect(allowed.status).toBe(200);
    expect(events.map((event) => [event.outcome, event.path])).toEqual([['allow', '/v1/invoices']]);
  });

  it.each(['router', 'stripped'] as const)(
    'metadata behind a %s prefix is never served at a path no challenge names',
    async (mount) => {
      const { origin } = await start(mount);
      expect((await fetch(`${origin}/v1${WELL_KNOWN}/v1`)).status).toBe(404);
      expect((await fetch(`${origin}/v1${WELL_KNOWN}`)).status).toBe(404);
    },
  );
});
