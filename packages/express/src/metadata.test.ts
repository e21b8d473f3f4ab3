/**
 * RFC 9728 §3.1 under a router prefix: the document lives at the path derived from the resource
 * identifier, from the origin's root, and every challenge's `resource_metadata` resolves to it.
 */
import { request as httpRequest } from 'node:http';
import { createGate, type DecisionEvent, defineActions } from '@actiongate/core';
import express5 from 'express';
import express4 from 'express4';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, ISSUER, type TestIssuer } from '../../core/test/tokens.js';
import { type Listening, listen, resourceMetadataOf } from '../test/serve.js';
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

const versions = [
  ['Express 5', () => express5(), () => express5.Router()],
  ['Express 4', () => express4() as unknown as express5.Express, () => express4.Router() as unknown as express5.Router],
] as const;

type Mount = 'app' | 'router' | 'well-known prefix';

describe.each(versions)('%s: a router mounted at /v1', (_, createApp, createRouter) => {
  const events: DecisionEvent[] = [];

  async function start(mount: Mount): Promise<{ origin: string; resource: string }> {
    server = await listen();
    const resource = `${server.origin}/v1`;
    const gate = createGate({
      actions,
      resource,
      issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }],
      onDecision: (event) => void events.push(event),
    });
    const { requireAction, metadata } = actiongate(gate);
    const app = createApp();
    const router = createRouter();
    if (mount === 'app') app.use(metadata);
    if (mount === 'well-known prefix') app.use('/.well-known', metadata);
    if (mount === 'router') router.use(metadata);
    router.get('/invoices', requireAction('read'), (_req, res) => {
      res.json({ invoices: [] });
    });
    app.use('/v1', router);
    server.handle(app);
    return { origin: server.origin, resource };
  }

  it.each(['app', 'well-known prefix'] as const)(
    'metadata mounted on the %s: the challenge URL resolves to the document over HTTP',
    async (mount) => {
      const { origin, resource } = await start(mount);
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
      // Nowhere else: not under the prefix, not at the origin's bare well-known path.
      for (const elsewhere of [`/v1${WELL_KNOWN}/v1`, WELL_KNOWN, `${WELL_KNOWN}/v1/`, `${WELL_KNOWN}/v1x`]) {
        expect((await fetch(`${origin}${elsewhere}`)).status, elsewhere).toBe(404);
      }
      expect((await fetch(url as string, { method: 'POST' })).status).toBe(404);

      const token = await issuer.mint({ aud: resource, scope: 'invoices:read' });
      events.length = 0;
      const allowed = await fetch(`${origin}/v1/invoices`, { headers: { authorization: `Bearer ${token}` } });
      expect(allowed.status).toBe(200);
      // The audit event names the whole path, not the one relative to the router.
      expect(events.map((event) => [event.outcome, event.path])).toEqual([['allow', '/v1/invoices']]);
    },
  );

  it('metadata mounted inside the prefixed router is never served at a path no challenge names', async () => {
    const { origin } = await start('router');
    expect((await fetch(`${origin}/v1${WELL_KNOWN}/v1`)).status).toBe(404);
    expect((await fetch(`${origin}/v1${WELL_KNOWN}`)).status).toBe(404);
  });

  it('answers a request target in absolute form (RFC 9112 §3.2.2)', async () => {
    const { origin, resource } = await start('app');
    const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const { port } = new URL(origin);
      httpRequest({ host: '127.0.0.1', port, path: `${origin}${WELL_KNOWN}/v1` }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          body += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      })
        .on('error', reject)
        .end();
    });
    expect(reply.status).toBe(200);
    expect(JSON.parse(reply.body).resource).toBe(resource);
  });
});
