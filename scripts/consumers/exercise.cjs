// The scenario every tarball consumer runs, whichever way it loaded the packages: `modules` holds what the
// CommonJS entry require()d or what the ES module entry imported. Every check makes real calls: real tokens
// signed with jose, real HTTP servers on 127.0.0.1 port 0 (Express and Koa at the lowest versions the peer
// ranges claim), a real redis-server. Prints one JSON line of results; exits 1 if any check failed.
'use strict';
const { spawn } = require('node:child_process');
const http = require('node:http');
const net = require('node:net');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const RESOURCE = 'https://api.example.com';
const ISSUER = 'https://as.example.com';

async function exercise(via, modules) {
  const { core, express, koa, redis, client, mcp, jose, Express, Koa, fastify, Fastify, hono, Hono } = modules;
  const versions = {
    express: installedVersion('express'),
    koa: installedVersion('koa'),
    fastify: installedVersion('fastify'),
    hono: installedVersion('hono'),
    sdk: installedVersion('@modelcontextprotocol/sdk'),
  };
  const { privateKey, publicKey } = await jose.generateKeyPair('ES256');
  const jwk = { ...(await jose.exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
  const sign = (scope, extra = {}, audience = RESOURCE) =>
    new jose.SignJWT({ scope, client_id: 'consumer', ...extra })
      .setProtectedHeader({ alg: 'ES256', kid: 'k1', typ: 'at+jwt' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setSubject('alice')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti(`jti-${Math.random().toString(36).slice(2)}`)
      .sign(privateKey);
  const gateOptions = {
    resource: RESOURCE,
    realm: 'consumer',
    issuers: [{ issuer: ISSUER, jwks: { keys: [jwk] } }],
  };
  const actions = core.defineActions({
    'invoices.read': { scopes: ['invoices:read'] },
    'invoices.refund': { scopes: ['payments:refund'], singleUse: true },
  });
  const gate = core.createGate({ ...gateOptions, actions });
  const facts = (token) => ({ method: 'GET', path: '/invoices', authorization: token && `Bearer ${token}` });

  const results = [];
  async function check(name, body) {
    try {
      await body();
      results.push({ name: `${via}: ${name}`, ok: true });
    } catch (error) {
      results.push({ name: `${via}: ${name}`, ok: false, error: String(error?.stack ?? error) });
    }
  }

  await check('core decides: allow with the scope, 403 insufficient_scope without, 401 without a token', async () => {
    const allowed = await gate.decide('invoices.read', facts(await sign('invoices:read')));
    expect(allowed.allow === true && allowed.auth.claims.sub === 'alice', 'allowed with sub alice', allowed);
    const short = await gate.decide('invoices.read', facts(await sign('profile')));
    expect(short.allow === false && short.status === 403 && short.body.error === 'insufficient_scope', '403', short);
    expect(/^Bearer realm="consumer", error="insufficient_scope"/.test(short.headers['www-authenticate']), 'challenge');
    const missing = await gate.decide('invoices.read', facts(undefined));
    expect(missing.allow === false && missing.status === 401 && missing.headers['www-authenticate'], '401', missing);
  });

  await check('one ConfigurationError class across packages, one ActionRefusedError for both adapters', async () => {
    let thrown;
    try {
      express.actiongate({});
    } catch (error) {
      thrown = error;
    }
    expect(thrown instanceof core.ConfigurationError && thrown instanceof core.ActionGateError, 'class', thrown);
    expect(
      express.ActionRefusedError === core.ActionRefusedError && koa.ActionRefusedError === core.ActionRefusedError,
      'ActionRefusedError is the core class in both adapters',
    );
  });

  await check(`express@${versions.express} over HTTP: 200 with the token, 401 and 403 challenges`, async () => {
    const { requireAction, metadata, getAuthOrThrow } = express.actiongate(gate);
    const app = Express()
      .use(metadata)
      .get('/invoices', requireAction('invoices.read'), (req, res) =>
        res.json({ sub: getAuthOrThrow(req).claims.sub }),
      );
    await overHttp(http.createServer(app), async (base) => {
      const ok = await fetch(`${base}/invoices`, {
        headers: { authorization: `Bearer ${await sign('invoices:read')}` },
      });
      expect(ok.status === 200 && (await ok.json()).sub === 'alice', 'express 200', ok.status);
      const none = await fetch(`${base}/invoices`);
      expect(none.status === 401 && /^Bearer /.test(none.headers.get('www-authenticate')), 'express 401');
      const short = await fetch(`${base}/invoices`, { headers: { authorization: `Bearer ${await sign('x')}` } });
      expect(short.status === 403 && (await short.json()).error === 'insufficient_scope', 'express 403');
      const challenge = client.findBearerChallenge(short.headers.get('www-authenticate'));
      expect(
        challenge?.error === 'insufficient_scope' && challenge.scope?.[0] === 'invoices:read',
        'client',
        challenge,
      );
      const document = await fetch(`${base}/.well-known/oauth-protected-resource`);
      expect(document.status === 200 && (await document.json()).resource === RESOURCE, 'metadata');
    });
  });

  await check(`koa@${versions.koa} over HTTP: 200 with the token, 401 challenge without`, async () => {
    const { requireAction, metadata } = koa.actiongate(gate);
    const app = new Koa()
      .use(metadata)
      .use(requireAction('invoices.read'))
      .use((ctx) => {
        ctx.body = { sub: ctx.state.auth.claims.sub };
      });
    await overHttp(http.createServer(app.callback()), async (base) => {
      const ok = await fetch(`${base}/invoices`, {
        headers: { authorization: `Bearer ${await sign('invoices:read')}` },
      });
      expect(ok.status === 200 && (await ok.json()).sub === 'alice', 'koa 200', ok.status);
      const none = await fetch(`${base}/invoices`);
      expect(none.status === 401 && /^Bearer /.test(none.headers.get('www-authenticate')), 'koa 401');
    });
  });

  await check(
    `fastify@${versions.fastify} over HTTP: 401 challenge without a token, 200 with it, metadata`,
    async () => {
      expect(fastify.ActionRefusedError === core.ActionRefusedError, 'ActionRefusedError is the core class');
      const { plugin, requireAction, getAuthOrThrow } = fastify.actiongate(gate);
      let listener;
      const app = Fastify({
        serverFactory: (handler) => {
          listener = handler;
          return http.createServer();
        },
      });
      await app.register(plugin);
      app.get('/invoices', { config: { action: 'invoices.read' } }, async (request) => ({
        sub: request.actionAuth.claims.sub,
      }));
      app.get('/hooked', { preHandler: requireAction('invoices.read') }, async (request) => ({
        sub: getAuthOrThrow(request).claims.sub,
      }));
      await app.ready();
      await overHttp(http.createServer(listener), async (base) => {
        const none = await fetch(`${base}/invoices`);
        expect(
          none.status === 401 && /^Bearer realm="consumer"/.test(none.headers.get('www-authenticate')),
          'fastify 401',
        );
        expect(none.headers.get('cache-control') === 'no-store', 'fastify no-store');
        for (const path of ['/invoices', '/hooked']) {
          const ok = await fetch(`${base}${path}`, {
            headers: { authorization: `Bearer ${await sign('invoices:read')}` },
          });
          expect(ok.status === 200 && (await ok.json()).sub === 'alice', `fastify 200 on ${path}`, ok.status);
        }
        const document = await fetch(`${base}/.well-known/oauth-protected-resource`);
        expect(document.status === 200 && (await document.json()).resource === RESOURCE, 'fastify metadata');
      });
      await app.close();
    },
  );

  await check(
    `hono@${versions.hono} (app.request): 200 with the token, 401 challenge and Web refusal without`,
    async () => {
      expect(hono.ActionRefusedError === core.ActionRefusedError, 'ActionRefusedError is the core class');
      const { requireAction, metadata } = hono.actiongate(gate);
      const app = new Hono();
      app.use(metadata);
      app.get('/invoices', requireAction('invoices.read'), (c) => c.json({ sub: c.get('auth').claims.sub }));
      const ok = await app.request('/invoices', {
        headers: { authorization: `Bearer ${await sign('invoices:read')}` },
      });
      expect(ok.status === 200 && (await ok.json()).sub === 'alice', 'hono 200', ok.status);
      const twice = await app.request('/invoices?access_token=a&access_token=b');
      expect(twice.status === 400 && /error="invalid_request"/.test(twice.headers.get('www-authenticate')), 'hono 400');
      const none = await app.request('/invoices');
      expect(none.status === 401 && /^Bearer /.test(none.headers.get('www-authenticate')), 'hono 401');
      const document = await app.request('/.well-known/oauth-protected-resource');
      expect(document.status === 200 && (await document.json()).resource === RESOURCE, 'metadata');
    },
  );

  await check('redis store on a real redis-server: a single-use token is allowed once, then refused', async () => {
    await withRedis(async (url) => {
      const store = new redis.RedisReplayStore({ url });
      try {
        await store.ready();
        const fleet = core.createGate({ ...gateOptions, actions, replayStore: store });
        const token = await sign('payments:refund');
        const first = await fleet.decide('invoices.refund', facts(token));
        expect(first.allow === true, 'first use allowed', first);
        const second = await fleet.decide('invoices.refund', facts(token));
        expect(second.allow === false && second.status === 401, 'replay refused', second);
      } finally {
        await store.close();
      }
    });
  });

  await check(
    `mcp guard over HTTP with @modelcontextprotocol/sdk@${versions.sdk}: 401, 403 step-up, one refund per grant`,
    async () => {
      const { McpServer } = require('@modelcontextprotocol/sdk/server/mcp.js');
      const { StreamableHTTPServerTransport } = require('@modelcontextprotocol/sdk/server/streamableHttp.js');
      const mcpActions = core.defineActions({
        'mcp.connect': { scopes: ['invoices:read'] },
        'invoices.refund': { scopes: ['payments:refund'], singleUse: 'per-action' },
      });
      const resource = `${RESOURCE}/mcp`;
      const mcpGate = core.createGate({ ...gateOptions, resource, actions: mcpActions });
      const guard = mcp.createMcpGuard({
        gate: mcpGate,
        connect: 'mcp.connect',
        tools: { refund_invoice: 'invoices.refund' },
      });
      let refunds = 0;
      const handler = mcp.mcpHandler(guard, async (req, res) => {
        const server = new McpServer({ name: 'consumer', version: '1.0.0' });
        server.registerTool('refund_invoice', { description: 'refund' }, async (extra) => {
          refunds += mcp.actionAuth(extra.authInfo)?.action === 'invoices.refund' ? 1 : 0;
          return { content: [{ type: 'text', text: 'refunded' }] };
        });
        const transport = new StreamableHTTPServerTransport({
          sessionIdGenerator: undefined,
          enableJsonResponse: true,
        });
        res.on('close', () => void transport.close());
        await server.connect(transport);
        await transport.handleRequest(req, res, req.body);
      });
      await overHttp(
        http.createServer((req, res) => (mcp.serveMetadata(guard, req, res) ? undefined : handler(req, res))),
        async (base) => {
          const call = (token) =>
            fetch(`${base}/mcp`, {
              method: 'POST',
              headers: {
                'content-type': 'application/json',
                accept: 'application/json, text/event-stream',
                ...(token ? { authorization: `Bearer ${token}` } : {}),
              },
              body: JSON.stringify({
                jsonrpc: '2.0',
                id: 1,
                method: 'tools/call',
                params: { name: 'refund_invoice', arguments: {} },
              }),
            });
          const none = await call(undefined);
          expect(none.status === 401 && /scope="invoices:read"/.test(none.headers.get('www-authenticate')), 'mcp 401');
          const baseline = await call(await sign('invoices:read', {}, resource));
          const challenge = client.findBearerChallenge(baseline.headers.get('www-authenticate'));
          expect(
            baseline.status === 403 && challenge?.scope?.join(' ') === 'invoices:read payments:refund',
            'mcp 403 names the baseline and the tool scope',
            challenge,
          );
          const elevated = await sign('invoices:read payments:refund', {}, resource);
          const first = await call(elevated);
          expect(first.status === 200 && /refunded/.test(await first.text()) && refunds === 1, 'mcp refund ran once');
          const second = await call(elevated);
          expect(second.status === 403 && refunds === 1, 'mcp grant spent', second.status);
          const document = await fetch(`${base}/.well-known/oauth-protected-resource/mcp`);
          expect(document.status === 200 && (await document.json()).resource === resource, 'mcp metadata');
        },
      );
    },
  );

  console.log(JSON.stringify(results));
  process.exitCode = results.every((result) => result.ok) ? 0 : 1;
}

function installedVersion(name) {
  // Read from disk: koa 2's `exports` does not expose its package.json.
  return JSON.parse(readFileSync(join(__dirname, 'node_modules', name, 'package.json'), 'utf8')).version;
}

function expect(condition, what, detail) {
  if (!condition) throw new Error(`expected ${what}${detail === undefined ? '' : `: ${JSON.stringify(detail)}`}`);
}

async function overHttp(server, body) {
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  try {
    await body(`http://127.0.0.1:${server.address().port}`);
  } finally {
    server.closeAllConnections?.();
    await new Promise((resolve) => server.close(resolve));
  }
}

async function withRedis(body) {
  const port = await new Promise((resolve, reject) => {
    const probe = net.createServer().once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn(process.env.REDIS_SERVER ?? 'redis-server', args, { stdio: 'ignore' });
  const exited = new Promise((resolve) => child.once('exit', resolve).once('error', resolve));
  try {
    let up = false;
    for (let attempt = 0; attempt < 100 && !up; attempt++) {
      up = await new Promise((resolve) => {
        const socket = net.connect(port, '127.0.0.1', () => resolve(true) || socket.end());
        socket.once('error', () => resolve(false));
      });
      if (!up) await new Promise((resolve) => setTimeout(resolve, 50));
    }
    if (!up) throw new Error(`redis-server did not listen on 127.0.0.1:${port} within 5 s`);
    await body(`redis://127.0.0.1:${port}`);
  } finally {
    child.kill('SIGKILL');
    await exited;
  }
}

module.exports = { exercise };
