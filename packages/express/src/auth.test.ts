import { type AuthInfo, ConfigurationError, createGate, defineActions } from '@actiongate/core';
import express5, { type ErrorRequestHandler } from 'express';
import express4 from 'express4';
import { afterEach, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { type Listening, listen } from '../test/serve.js';
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
const versions = [
  ['Express 5', () => express5()],
  ['Express 4', () => express4() as unknown as express5.Express],
] as const;

describe.each(versions)('%s: getAuth and the request property', (_, createApp) => {
  async function start(app: express5.Express): Promise<string> {
    server = await listen();
    server.handle(app);
    return server.origin;
  }

  it('getAuth reads what requireAction attached, and nothing on a route it does not guard', async () => {
    const { requireAction, getAuth, getAuthOrThrow } = actiongate(gate());
    const app = createApp();
    app.get('/guarded', requireAction('read'), (req, res) => {
      expectTypeOf(getAuth(req)).toEqualTypeOf<AuthInfo<'read'> | undefined>();
      expectTypeOf(getAuthOrThrow(req)).toEqualTypeOf<AuthInfo<'read'>>();
      expectTypeOf(getAuthOf(req)).toEqualTypeOf<AuthInfo | undefined>();
      const auth = getAuthOrThrow(req);
      res.json({
        action: auth.action,
        sub: auth.claims.sub,
        same: getAuth(req) === auth && getAuthOf(req) === auth && getAuthOrThrowOf(req) === auth,
        // By default nothing is written to req.auth, which other middleware own.
        reqAuth: 'auth' in req,
      });
    });
    app.get('/open', (req, res) => {
      res.json({ auth: getAuth(req) ?? null });
    });
    app.get('/forgotten', (req, res) => {
      res.json({ sub: getAuthOrThrow(req).claims.sub });
    });
    const seen: unknown[] = [];
    const onError: ErrorRequestHandler = (error, _req, res, _next) => {
      seen.push(error);
      res.status(500).json({ error: 'server_error' });
    };
    app.use(onError);
    const origin = await start(app);
    const token = await issuer.mint({ scope: 'invoices:read' });
    const guarded = await fetch(`${origin}/guarded`, { headers: { authorization: `Bearer ${token}` } });
    expect(guarded.status).toBe(200);
    expect(await guarded.json()).toEqual({ action: 'read', sub: 'user-1', same: true, reqAuth: false });
    // A token on an unguarded route proves nothing: getAuth stays empty.
    const open = await fetch(`${origin}/open`, { headers: { authorization: `Bearer ${token}` } });
    expect(await open.json()).toEqual({ auth: null });
    // A handler wired without the guard fails closed: 500, never an unauthenticated answer.
    const forgotten = await fetch(`${origin}/forgotten`, { headers: { authorization: `Bearer ${token}` } });
    expect(forgotten.status).toBe(500);
    expect(seen).toHaveLength(1);
    expect(seen[0]).toBeInstanceOf(MissingAuthError);
    expect((seen[0] as MissingAuthError).code).toBe('ERR_AUTH_MISSING');
  });

  it('leaves a req.auth set by other middleware alone, unless requestProperty asks for it', async () => {
    const foreign = { payload: { sub: 'someone-else' } };
    const app = createApp();
    app.use((req, _res, next) => {
      (req as unknown as { auth: unknown }).auth = foreign;
      next();
    });
    const plain = actiongate(gate());
    const named = actiongate(gate(), { requestProperty: 'auth' });
    const other = actiongate(gate(), { requestProperty: 'actiongate' });
    const report: express5.RequestHandler = (req, res) => {
      const carried = req as unknown as { auth: unknown; actiongate?: unknown };
      res.json({
        foreign: carried.auth === foreign,
        auth: carried.auth === getAuthOf(req),
        actiongate: carried.actiongate === getAuthOf(req),
      });
    };
    app.get('/plain', plain.requireAction('read'), report);
    app.get('/named', named.requireAction('read'), report);
    app.get('/other', other.requireAction('read'), report);
    const origin = await start(app);
    const headers = { authorization: `Bearer ${await issuer.mint({ scope: 'invoices:read' })}` };
    expect(await (await fetch(`${origin}/plain`, { headers })).json()).toEqual({
      foreign: true,
      auth: false,
      actiongate: false,
    });
    expect(await (await fetch(`${origin}/named`, { headers })).json()).toEqual({
      foreign: false,
      auth: true,
      actiongate: false,
    });
    expect(await (await fetch(`${origin}/other`, { headers })).json()).toEqual({
      foreign: true,
      auth: false,
      actiongate: true,
    });
  });
});

describe('actiongate(gate, options) at start-up', () => {
  it.each([
    ['body'],
    ['params'],
    ['headers'],
    ['url'],
    ['method'],
    ['__proto__'],
    ['constructor'],
    [''],
    ['a-b'],
    ['1st'],
    [42],
  ])('refuses requestProperty %j, naming the option', (requestProperty) => {
    expect(() => actiongate(gate(), { requestProperty: requestProperty as string })).toThrow(ConfigurationError);
    expect(() => actiongate(gate(), { requestProperty: requestProperty as string })).toThrow(
      /option "requestProperty" must be an identifier/,
    );
  });

  it.each(['socket', 'rawHeaders', 'complete', 'aborted', 'httpVersion'])(
    'refuses requestProperty %j, which Node gives every request',
    (name) => {
      expect(() => actiongate(gate(), { requestProperty: name })).toThrow(/option "requestProperty"/);
    },
  );

  it('refuses an onRefusal that is not "respond", "error" or a function, and options that are not an object', () => {
    expect(() => actiongate(gate(), { onRefusal: 'next' as never })).toThrow(/option "onRefusal" must be/);
    expect(() => actiongate(gate(), null as never)).toThrow(/option "options"/);
    expect(() => actiongate(gate(), { onRefusal: 'error', requestProperty: 'auth' })).not.toThrow();
  });
});
