/**
 * Fastify's encapsulation decides where the plugin applies: the scope it is registered in and
 * that scope's children, never a sibling. Route config names the action; an undeclared name fails
 * when the route is declared.
 */
import { ConfigurationError, createGate, defineActions, UnknownActionError } from '@actiongate/core';
import type { FastifyInstance } from 'fastify';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { createTestApp } from '../test/listener.js';
import { actiongate } from './index.js';

const actions = defineActions({
  read: { scopes: ['invoices:read'] },
  once: { scopes: ['invoices:read'], singleUse: true },
});
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
const gateOf = () =>
  createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });

describe('encapsulation', () => {
  async function scopes() {
    const { plugin } = actiongate(gateOf());
    const { app, listener } = createTestApp();
    const seen: string[] = [];
    // Outside the plugin's scope a route naming an action would stop the app (coverage.test.ts):
    // the parent's and the sibling's routes here name none.
    const route = (scope: FastifyInstance, name: string, outside = false) =>
      scope.get(`/${name}`, outside ? {} : { config: { action: 'read' } }, async (req) => {
        seen.push(name);
        return { name, guarded: req.actionAuth !== undefined };
      });
    route(app, 'root', true);
    await app.register(async (guarded) => {
      await guarded.register(plugin);
      route(guarded, 'guarded');
      await guarded.register(async (child) => {
        route(child, 'child');
      });
    });
    await app.register(async (sibling) => {
      route(sibling, 'sibling', true);
    });
    return { listener: await listener(), seen };
  }

  it('guards the routes of its scope and its children', async () => {
    const { listener, seen } = await scopes();
    for (const name of ['guarded', 'child']) {
      const refused = await request(listener).get(`/${name}`);
      expect(refused.status, name).toBe(401);
      expect(refused.headers['www-authenticate'], name).toMatch(/^Bearer resource_metadata=/);
    }
    expect(seen).toEqual([]);
    const token = await issuer.mint({ scope: 'invoices:read' });
    const allowed = await request(listener).get('/child').set('authorization', `Bearer ${token}`);
    expect(allowed.body).toEqual({ name: 'child', guarded: true });
    // Fastify's not-found route runs the scope's hooks too: it stays a 404.
    const missing = await request(listener).get('/nowhere');
    expect(missing.status).toBe(404);
    expect(missing.headers['www-authenticate']).toBeUndefined();
  });

  it('leaves a sibling scope and the parent untouched', async () => {
    const { listener, seen } = await scopes();
    for (const name of ['sibling', 'root']) {
      const open = await request(listener).get(`/${name}`);
      expect(open.status, name).toBe(200);
      expect(open.body, name).toEqual({ name, guarded: false });
    }
    expect(seen).toEqual(['sibling', 'root']);
  });

  it('guards a route declared before the plugin finished loading (register not awaited)', async () => {
    const { plugin } = actiongate(gateOf());
    const { app, listener } = createTestApp();
    app.register(plugin);
    app.get('/early', { config: { action: 'read' } }, async () => ({ ran: true }));
    const reply = await request(await listener()).get('/early');
    expect(reply.status).toBe(401);
  });

  it('checks at start-up the name of a route declared before the plugin finished loading', async () => {
    const { plugin } = actiongate(gateOf());
    const { app } = createTestApp();
    let ran = false;
    app.register(plugin);
    app.get('/typo', { config: { action: 'raed' } }, async () => {
      ran = true;
      return { ran };
    });
    const thrown = await app.ready().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).option).toBe('config.action of GET /typo');
    expect(ran).toBe(false);
    await app.close();
  });
});

describe('route config at declaration', () => {
  it('throws ConfigurationError for an undeclared action, naming the route', async () => {
    const { plugin } = actiongate(gateOf());
    const { app } = createTestApp();
    await app.register(plugin);
    let thrown: unknown;
    try {
      app.get('/x', { config: { action: 'invoices.delete' } }, async () => 'ran');
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).option).toBe('config.action of GET /x');
    expect((thrown as Error).message).toMatch(/unknown action "invoices\.delete"/);
    expect(() => app.get('/y', { config: { action: 42 as never } }, async () => 'ran')).toThrow(
      /config.action of GET \/y" must be the name of a declared action \(got number\)/,
    );
    await app.close();
  });

  it('fails the app start when the route is declared inside a plugin', async () => {
    const { plugin } = actiongate(gateOf());
    const { app } = createTestApp();
    await app.register(plugin);
    app.register(async (scope) => {
      scope.post('/refund', { config: { action: 'refund' as never } }, async () => 'ran');
    });
    await expect(app.ready()).rejects.toThrow(ConfigurationError);
  });

  it('refuses a route guarded twice (config.action and requireAction): a single-use token would be spent twice', async () => {
    const { plugin, requireAction } = actiongate(gateOf());
    const { app } = createTestApp();
    await app.register(plugin);
    expect(() =>
      app.get('/twice', { config: { action: 'once' }, preHandler: [requireAction('once')] }, async () => 'ran'),
    ).toThrow(/and a requireAction\(\) hook both guard this route/);
    expect(() => requireAction('nope' as never)).toThrow(UnknownActionError);
    await app.close();
  });

  it('refuses a second registration in the same branch of scopes, and bad plugin options', async () => {
    const first = actiongate(gateOf());
    const second = actiongate(gateOf());
    const nested = createTestApp();
    await nested.app.register(first.plugin);
    nested.app.register(async (child) => {
      await child.register(second.plugin, { metadata: false });
    });
    await expect(nested.app.ready()).rejects.toThrow(/already registered in this scope or a parent one/);
    const options = createTestApp();
    options.app.register(first.plugin, { metadata: 'yes' as never });
    await expect(options.app.ready()).rejects.toThrow(/option "metadata" must be true or false/);
  });

  it('two sibling scopes may each have a gate; the metadata route is declared once', async () => {
    const a = actiongate(gateOf());
    const b = actiongate(gateOf());
    const { app, listener } = createTestApp();
    await app.register(async (scope) => {
      await scope.register(a.plugin);
      scope.get('/a', { config: { action: 'read' } }, async () => 'a');
    });
    await app.register(async (scope) => {
      await scope.register(b.plugin, { metadata: false });
      scope.get('/b', { config: { action: 'read' } }, async () => 'b');
    });
    const served = await listener();
    expect((await request(served).get('/a')).status).toBe(401);
    expect((await request(served).get('/b')).status).toBe(401);
    expect((await request(served).get('/.well-known/oauth-protected-resource')).status).toBe(200);
  });

  it('under a prefix, refuses to serve the metadata at a path no challenge names, and the metadata plugin serves it at the root', async () => {
    const gate = actiongate(gateOf());
    const wrong = createTestApp();
    wrong.app.register(
      async (scope) => {
        await scope.register(gate.plugin);
      },
      { prefix: '/v1' },
    );
    await expect(wrong.app.ready()).rejects.toThrow(
      /option "metadata" cannot serve the RFC 9728 document under the prefix "\/v1"/,
    );

    const { app, listener } = createTestApp();
    await app.register(gate.metadata);
    await app.register(
      async (scope) => {
        await scope.register(gate.plugin, { metadata: false });
        scope.get('/invoices', { config: { action: 'read' } }, async () => 'ran');
      },
      { prefix: '/v1' },
    );
    const served = await listener();
    expect((await request(served).get('/v1/invoices')).status).toBe(401);
    expect((await request(served).get('/.well-known/oauth-protected-resource')).status).toBe(200);
    expect((await request(served).get('/v1/.well-known/oauth-protected-resource')).status).toBe(404);
  });
});
