import { type AuthInfo, createGate, defineActions } from '@actiongate/core';
import type { FastifyContextConfig } from 'fastify';
import request from 'supertest';
import { beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { createTestApp } from '../test/listener.js';
import { getAuth as getAuthOf, getAuthOrThrow as getAuthOrThrowOf } from './auth.js';
import { actiongate, MissingAuthError, type RegisteredAction } from './index.js';

const actions = defineActions({ read: { scopes: ['invoices:read'] } });
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
const gate = () =>
  createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });

describe('getAuth, getAuthOrThrow and request.actionAuth', () => {
  it('read what the guard attached; nothing on an unguarded route; a forgotten guard is a 500', async () => {
    const { plugin, requireAction, getAuth, getAuthOrThrow } = actiongate(gate());
    const { app, listener } = createTestApp();
    const errors: unknown[] = [];
    app.setErrorHandler((error, _request, reply) => {
      errors.push(error);
      return reply.code(500).send({ error: 'internal' });
    });
    await app.register(plugin);
    app.get('/config', { config: { action: 'read' } }, async (req) => {
      expectTypeOf(getAuth(req)).toEqualTypeOf<AuthInfo<'read'> | undefined>();
      expectTypeOf(getAuthOrThrow(req)).toEqualTypeOf<AuthInfo<'read'>>();
      expectTypeOf(req.actionAuth).toEqualTypeOf<AuthInfo<RegisteredAction> | undefined>();
      const auth = getAuthOrThrow(req);
      return {
        action: auth.action,
        same: req.actionAuth === auth && getAuthOf(req) === auth && getAuthOrThrowOf(req) === auth,
      };
    });
    app.get<{ Params: { id: string } }>('/hook/:id', { preHandler: requireAction('read') }, async (req) => ({
      id: req.params.id,
      sub: getAuthOrThrow(req).claims.sub,
      same: req.actionAuth === getAuth(req),
    }));
    app.get('/open', async (req) => ({ auth: getAuth(req) ?? null, decorated: req.actionAuth ?? null }));
    app.get('/forgotten', async (req) => ({ sub: getAuthOrThrow(req).claims.sub }));
    const served = await listener();
    const headers = { authorization: `Bearer ${await issuer.mint({ scope: 'invoices:read' })}` };
    expect((await request(served).get('/config').set(headers)).body).toEqual({ action: 'read', same: true });
    expect((await request(served).get('/hook/7').set(headers)).body).toEqual({ id: '7', sub: 'user-1', same: true });
    expect((await request(served).get('/open').set(headers)).body).toEqual({ auth: null, decorated: null });
    const forgotten = await request(served).get('/forgotten').set(headers);
    expect(forgotten.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MissingAuthError);
  });

  it('types route config and the decoration by the registry, string unless the app names its actions', () => {
    expectTypeOf<RegisteredAction>().toEqualTypeOf<string>();
    expectTypeOf<FastifyContextConfig['action']>().toEqualTypeOf<string | undefined>();
  });

  it('leaves an allowed reply’s caching to the handler (no-store is for refusals)', async () => {
    const { plugin } = actiongate(gate());
    const { app, listener } = createTestApp();
    await app.register(plugin);
    app.get('/config', { config: { action: 'read' } }, async () => ({ ok: true }));
    const allowed = await request(await listener())
      .get('/config')
      .set('authorization', `Bearer ${await issuer.mint({ scope: 'invoices:read' })}`);
    expect(allowed.status).toBe(200);
    expect(allowed.headers['cache-control']).toBeUndefined();
  });
});
