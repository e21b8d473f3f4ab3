import { type AuthInfo, createGate, defineActions } from '@actiongate/core';
import Router from '@koa/router';
import Koa3 from 'koa';
import Koa2 from 'koa2';
import { afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { type Listening, listen } from '../../express/test/serve.js';
import { getAuth as getAuthOf, getAuthOrThrow as getAuthOrThrowOf } from './auth.js';
import { actiongate, MissingAuthError } from './index.js';

const actions = defineActions({ read: { scopes: ['invoices:read'] } });
let issuer: TestIssuer;
let server: Listening | undefined;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const gate = () =>
  createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });
const versions: [string, () => Koa3][] = [
  ['Koa 3', () => new Koa3()],
  ['Koa 2', () => new Koa2() as unknown as Koa3],
];

describe.each(versions)('%s: getAuth and ctx.state', (_, createApp) => {
  async function start(app: Koa3): Promise<string> {
    app.silent = true;
    server = await listen();
    server.handle(app.callback());
    return server.origin;
  }

  it('getAuth reads what requireAction attached; ctx.state.auth by default; nothing on an unguarded route', async () => {
    const { requireAction, getAuth, getAuthOrThrow } = actiongate(gate());
    const router = new Router();
    const errors: unknown[] = [];
    router.get('/guarded', requireAction('read'), (ctx) => {
      expectTypeOf(getAuth(ctx)).toEqualTypeOf<AuthInfo<'read'> | undefined>();
      expectTypeOf(getAuthOrThrow(ctx)).toEqualTypeOf<AuthInfo<'read'>>();
      expectTypeOf(ctx.state.auth).toEqualTypeOf<AuthInfo<'read'>>();
      const auth = getAuthOrThrow(ctx);
      ctx.body = {
        action: auth.action,
        same: ctx.state.auth === auth && getAuthOf(ctx) === auth && getAuthOrThrowOf(ctx) === auth,
      };
    });
    router.get('/open', (ctx) => {
      ctx.body = { auth: getAuth(ctx) ?? null };
    });
    router.get('/forgotten', (ctx) => {
      ctx.body = { sub: getAuthOrThrow(ctx).claims.sub };
    });
    const app = createApp();
    app.on('error', (error) => errors.push(error));
    app.use(router.routes());
    const origin = await start(app);
    const headers = { authorization: `Bearer ${await issuer.mint({ scope: 'invoices:read' })}` };
    const guarded = await fetch(`${origin}/guarded`, { headers });
    expect(await guarded.json()).toEqual({ action: 'read', same: true });
    expect(await (await fetch(`${origin}/open`, { headers })).json()).toEqual({ auth: null });
    const forgotten = await fetch(`${origin}/forgotten`, { headers });
    expect(forgotten.status).toBe(500);
    expect(await forgotten.text()).toBe('Internal Server Error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(MissingAuthError);
  });

  it('stateKey names the ctx.state member, or none; koa-jwt’s ctx.state.user is left alone', async () => {
    const named = actiongate(gate(), { stateKey: 'token' });
    const none = actiongate(gate(), { stateKey: false });
    const router = new Router();
    router.use(async (ctx, next) => {
      ctx.state.user = { sub: 'from-koa-jwt' };
      await next();
    });
    router.get('/named', named.requireAction('read'), (ctx) => {
      expectTypeOf(ctx.state.token).toEqualTypeOf<AuthInfo<'read'>>();
      ctx.body = { keys: Object.keys(ctx.state).sort(), same: ctx.state.token === named.getAuth(ctx) };
    });
    router.get('/none', none.requireAction('read'), (ctx) => {
      ctx.body = { keys: Object.keys(ctx.state).sort(), found: none.getAuth(ctx)?.action };
    });
    const app = createApp();
    app.use(router.routes());
    const origin = await start(app);
    const headers = { authorization: `Bearer ${await issuer.mint({ scope: 'invoices:read' })}` };
    expect(await (await fetch(`${origin}/named`, { headers })).json()).toEqual({ keys: ['token', 'user'], same: true });
    expect(await (await fetch(`${origin}/none`, { headers })).json()).toEqual({ keys: ['user'], found: 'read' });
  });
});

describe('actiongate(gate, options) at start-up', () => {
  it.each([[''], ['a-b'], ['1st'], [42], [true], ['__proto__'], ['constructor'], ['hasOwnProperty']])(
    'refuses stateKey %j, naming the option',
    (stateKey) => {
      expect(() => actiongate(gate(), { stateKey: stateKey as string })).toThrow(/option "stateKey" must be/);
    },
  );

  it('refuses an onRefusal that is not "respond", "error" or a function, and options that are not an object', () => {
    expect(() => actiongate(gate(), { onRefusal: 'throw' as never })).toThrow(/option "onRefusal" must be/);
    expect(() => actiongate(gate(), 'error' as never)).toThrow(/option "options"/);
    expect(() => actiongate(gate(), { onRefusal: 'error', stateKey: false })).not.toThrow();
  });
});
