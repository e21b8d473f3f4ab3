/**
 * Hostile cases for coverage: a route that names an action in a scope no gate plugin covers
 * (a sibling scope, the parent of the plugin's scope, a route added from an `after()` callback)
 * is Fastify's business alone, so it would be served as if allowed. The app must refuse to
 * start instead, naming the route and the fix. Routes the plugin does cover, even those declared
 * before it loaded, are guarded and their names checked at start-up.
 */
import { ConfigurationError, createGate, defineActions } from '@actiongate/core';
import Fastify, { type FastifyInstance } from 'fastify';
import request from 'supertest';
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestIssuer, ISSUER, RESOURCE, type TestIssuer } from '../../core/test/tokens.js';
import { createTestApp } from '../test/listener.js';
import { COVERAGE } from './coverage.js';
import { actiongate } from './index.js';

const actions = defineActions({ read: { scopes: ['invoices:read'] } });
let issuer: TestIssuer;
beforeAll(async () => {
  issuer = await createTestIssuer();
});
const gateOf = () =>
  createGate({ actions, resource: RESOURCE, issuers: [{ issuer: ISSUER, jwks: issuer.jwks as never }] });

const served: string[] = [];
const handler = async (req: { url: string }) => {
  served.push(req.url);
  return { served: true };
};
const guarded = { config: { action: 'read' } } as const;

/** Builds the app, and returns what `ready()` threw (or undefined) and whether any handler ran. */
async function start(build: (app: FastifyInstance, plugin: ReturnType<typeof actiongate>['plugin']) => Promise<void>) {
  const { app, listener } = createTestApp();
  served.length = 0;
  let thrown: unknown;
  try {
    await build(app, actiongate(gateOf()).plugin);
    const serve = await listener();
    // Were it to start, each of these would be served: the tests below assert it does not start.
    for (const url of ['/r', '/v2/deep/r', '/late']) await request(serve).get(url);
  } catch (error) {
    thrown = error;
  }
  await app.close();
  return { thrown, served: [...served] };
}

function expectRefusedStart(outcome: { thrown: unknown; served: string[] }, route: string) {
  expect(outcome.served).toEqual([]);
  expect(outcome.thrown).toBeInstanceOf(ConfigurationError);
  const error = outcome.thrown as ConfigurationError;
  expect(error.option).toBe(`config.action of ${route}`);
  expect(error.message).toMatch(/is not guarded: no actiongate plugin is registered in its scope or a parent one/);
  expect(error.message).toMatch(/await app\.register\(plugin\)/);
}

describe('a route naming an action where no gate plugin applies refuses to start', () => {
  it('in a sibling scope registered before the plugin’s scope', async () => {
    const outcome = await start(async (app, plugin) => {
      await app.register(async (sibling) => {
        sibling.get('/r', guarded, handler);
      });
      await app.register(async (scope) => {
        await scope.register(plugin, { metadata: false });
      });
    });
    expectRefusedStart(outcome, 'GET /r');
  });

  it('in a sibling scope registered after the plugin’s scope', async () => {
    const outcome = await start(async (app, plugin) => {
      await app.register(async (scope) => {
        await scope.register(plugin, { metadata: false });
      });
      await app.register(async (sibling) => {
        sibling.post('/r', guarded, handler);
      });
    });
    expectRefusedStart(outcome, 'POST /r');
  });

  it('in the parent of the plugin’s scope, declared before or after it', async () => {
    const before = await start(async (app, plugin) => {
      app.get('/r', guarded, handler);
      await app.register(async (scope) => {
        await scope.register(plugin, { metadata: false });
      });
    });
    expectRefusedStart(before, 'GET /r');
    const after = await start(async (app, plugin) => {
      await app.register(async (scope) => {
        await scope.register(plugin, { metadata: false });
      });
      app.route({ method: ['GET', 'POST'], url: '/r', config: { action: 'read' }, handler });
    });
    expectRefusedStart(after, 'GET,POST /r');
  });

  it('nested under prefixes in a sibling branch', async () => {
    const outcome = await start(async (app, plugin) => {
      await app.register(
        async (v2) => {
          await v2.register(
            async (deep) => {
              deep.route({ method: 'GET', url: '/r', config: { action: 'read' }, handler });
            },
            { prefix: '/deep' },
          );
        },
        { prefix: '/v2' },
      );
      await app.register(
        async (v1) => {
          await v1.register(plugin, { metadata: false });
        },
        { prefix: '/v1' },
      );
    });
    expectRefusedStart(outcome, 'GET /v2/deep/r');
  });

  it('with the shorthand methods and all()', async () => {
    for (const method of ['get', 'post', 'put', 'patch', 'delete', 'options', 'all'] as const) {
      const outcome = await start(async (app, plugin) => {
        await app.register(async (sibling) => {
          sibling[method]('/r', guarded, handler);
        });
        await app.register(async (scope) => {
          await scope.register(plugin, { metadata: false });
        });
      });
      expect(outcome.served, method).toEqual([]);
      expect(outcome.thrown, method).toBeInstanceOf(ConfigurationError);
      expect((outcome.thrown as ConfigurationError).option, method).toMatch(
        method === 'all' ? /^config\.action of [A-Z,]*GET[A-Z,]* \/r$/ : `config.action of ${method.toUpperCase()} /r`,
      );
    }
  });

  it('added from an after() callback outside the plugin’s scope', async () => {
    const outcome = await start(async (app, plugin) => {
      app.register(async (scope) => {
        await scope.register(plugin, { metadata: false });
      });
      app.after(() => {
        app.get('/late', guarded, handler);
      });
    });
    expectRefusedStart(outcome, 'GET /late');
  });

  it('cannot be dodged by declaring the route from an onReady hook, after the check, or after ready()', async () => {
    const { app, listener } = createTestApp();
    await app.register(async (scope) => {
      await scope.register(actiongate(gateOf()).plugin, { metadata: false });
    });
    const late: unknown[] = [];
    app.addHook('onReady', function declareLate(done) {
      try {
        app.get('/late', guarded, handler);
      } catch (error) {
        late.push(error);
      }
      done();
    });
    const serve = await listener();
    try {
      app.get('/later', guarded, handler);
    } catch (error) {
      late.push(error);
    }
    // In an onReady hook after the check, Fastify would put the route in its router half built
    // (no hooks): the recorder refuses it there. After ready(), Fastify refuses any route.
    expect(late).toHaveLength(2);
    expect(late[0]).toBeInstanceOf(ConfigurationError);
    expect((late[0] as ConfigurationError).option).toBe('config.action of GET /late');
    expect((late[1] as { code?: string }).code).toBe('FST_ERR_INSTANCE_ALREADY_LISTENING');
    expect((await request(serve).get('/late')).status).toBe(404);
    await app.close();
  });

  it('names every unguarded route, and a requireAction() hook there does not excuse an unread config.action', async () => {
    const { requireAction, plugin } = actiongate(gateOf());
    const { app } = createTestApp();
    app.get('/a', { config: { action: 'read' }, preHandler: requireAction('read') }, handler);
    app.put('/b', guarded, handler);
    await app.register(async (scope) => {
      await scope.register(plugin, { metadata: false });
    });
    const thrown = await app.ready().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).option).toBe('config.action of GET /a');
    expect((thrown as Error).message).toMatch(/\(nor for HEAD \/a, PUT \/b\)/);
    await app.close();
  });
});

describe('routes the plugin covers start and are guarded, wherever they were declared', () => {
  it('refuses an inherited config.action, which Fastify would drop before the guard could read it', async () => {
    const { plugin } = actiongate(gateOf());
    const { app } = createTestApp();
    await app.register(plugin);
    // The plugin's onRoute hook reads it through the prototype; Fastify's route context would not have it.
    app.get('/r', { config: Object.create({ action: 'read' }) }, handler);
    await expect(app.ready()).rejects.toThrow(/option "config\.action of GET \/r" must be an own property of config/);
    await app.close();
  });

  it('a child scope registered before the plugin, and the root’s routes declared before it', async () => {
    const { plugin } = actiongate(gateOf());
    const { app, listener } = createTestApp();
    app.get('/root-first', guarded, handler);
    await app.register(async (child) => {
      child.get('/child-first', guarded, handler);
      await child.register(async (grandchild) => {
        grandchild.get('/grandchild-first', guarded, handler);
      });
    });
    await app.register(plugin);
    app.get('/root-after', guarded, handler);
    const serve = await listener();
    served.length = 0;
    for (const url of ['/root-first', '/child-first', '/grandchild-first', '/root-after']) {
      const refused = await request(serve).get(url);
      expect(refused.status, url).toBe(401);
    }
    expect(served).toEqual([]);
    const token = await issuer.mint({ scope: 'invoices:read' });
    expect((await request(serve).get('/child-first').set('authorization', `Bearer ${token}`)).status).toBe(200);
    await app.close();
  });

  it('checks at start-up the name of a route declared before the plugin, which its onRoute hook never saw', async () => {
    const { plugin } = actiongate(gateOf());
    const { app } = createTestApp();
    await app.register(async (child) => {
      child.get('/typo', { config: { action: 'raed' } }, handler);
    });
    await app.register(plugin);
    const thrown = await app.ready().then(
      () => undefined,
      (error: unknown) => error,
    );
    expect(thrown).toBeInstanceOf(ConfigurationError);
    expect((thrown as ConfigurationError).option).toBe('config.action of GET /typo');
    expect((thrown as Error).message).toMatch(/names no declared action/);
    await app.close();
  });

  it('sibling scopes each with their own gate, and an app without any gate, start', async () => {
    const a = actiongate(gateOf());
    const b = actiongate(gateOf());
    const { app, listener } = createTestApp();
    await app.register(async (scope) => {
      scope.get('/a', guarded, handler);
      await scope.register(a.plugin);
    });
    await app.register(async (scope) => {
      await scope.register(b.plugin, { metadata: false });
      scope.get('/b', guarded, handler);
    });
    app.get('/public', handler);
    const serve = await listener();
    expect((await request(serve).get('/a')).status).toBe(401);
    expect((await request(serve).get('/b')).status).toBe(401);
    expect((await request(serve).get('/public')).status).toBe(200);
    await app.close();
    // config.action is only checked in an app that registers a gate plugin.
    const plain = Fastify();
    plain.get('/r', guarded, async () => 'ran');
    expect((await plain.inject('/r')).statusCode).toBe(200);
    await plain.close();
  });
});

describe('an app created before this module was loaded', () => {
  function unseen(): FastifyInstance {
    const app = Fastify();
    // As if Fastify() had run before @actiongate/fastify subscribed to its initialization.
    expect(delete (app as unknown as Record<symbol, unknown>)[COVERAGE]).toBe(true);
    return app;
  }

  it('is adopted when it has no route yet: later routes are checked as usual', async () => {
    const app = unseen();
    await app.register(async (scope) => {
      await scope.register(actiongate(gateOf()).plugin, { metadata: false });
    });
    app.get('/r', guarded, handler);
    await expect(app.ready()).rejects.toThrow(/option "config\.action of GET \/r" is not guarded/);
    await app.close();
  });

  it('refuses the plugin when routes were declared that it cannot see', async () => {
    const app = unseen();
    app.get('/health', async () => 'ok');
    app.register(actiongate(gateOf()).plugin);
    await expect(app.ready()).rejects.toThrow(
      /option "plugin" cannot see the routes declared before it: this app was created before @actiongate\/fastify was loaded/,
    );
    await app.close();
  });
});
