/**
 * The key set's server misbehaves; the gate stays calm. A real HTTP server on 127.0.0.1 plays
 * the key set; the gate's clock is simulated, so a 60 s outage takes no 60 s.
 */

import type { AddressInfo } from 'node:net';
import { createServer as createTcpServer, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { closeAllServers, json, startServer } from '../../test/hostile-server.js';
import { bearer, createTestIssuer, ISSUER, RESOURCE } from '../../test/tokens.js';
import { defineActions } from '../actions/index.js';
import { createGate, type Decision } from '../gate/index.js';
import type { IssuerOptions } from './options.js';

const actions = defineActions({ read: { scopes: ['invoices:read'] } });
const scope = { scope: 'invoices:read' };
afterEach(closeAllServers);

function simulatedClock() {
  let at = Date.parse('2026-01-01T00:00:00Z');
  return {
    now: () => at,
    advance(ms: number) {
      at += ms;
    },
  };
}

function gateFor(jwksUri: string, now: () => number, extra: Partial<IssuerOptions> = {}, retryAfter?: number) {
  return createGate({
    actions,
    resource: RESOURCE,
    issuers: [{ issuer: ISSUER, jwksUri, jwksTimeout: 2000, ...extra }],
    now,
    tokenCache: false,
    ...(retryAfter === undefined ? {} : { retryAfter }),
  });
}

const outcome = (decision: Decision) => (decision.allow ? 'allow' : decision.code);

describe('a key set that fails', () => {
  it('answering 500 from the start: 100 requests over a 60 s outage cost a handful of fetches, each refused 503 at once, and service resumes after', async () => {
    const clock = simulatedClock();
    const issuer = await createTestIssuer(clock.now);
    let healthy = false;
    const server = await startServer((_req, res) => (healthy ? json(res, issuer.jwks) : json(res, {}, 500)));
    const gate = gateFor(`${server.origin}/jwks`, clock.now, {}, 0);
    const retryAfters: number[] = [];
    for (let i = 0; i < 100; i++) {
      const decision = await gate.decide('read', bearer(await issuer.mint(scope)));
      if (decision.allow) throw new Error('allowed during an outage');
      expect(decision.status).toBe(503);
      expect(decision.code).toBe('keys_unavailable');
      retryAfters.push(Number(decision.headers['retry-after']));
      clock.advance(600);
    }
    const fetches = server.requests.length;
    console.log(`[measure] key-set fetches for 100 requests over a 60 s outage: ${fetches}`);
    // Equal jitter: waits of at least 0.5, 1, 2, 4, 8, 16, 30 s, so at most 7 fetches in 60 s;
    // at most 1, 2, 4, 8, 16, 32 s, so at least 6 (one fewer for the 600 ms steps).
    expect(fetches).toBeGreaterThanOrEqual(5);
    expect(fetches).toBeLessThanOrEqual(7);
    // Retry-After is the backoff left: it grows, and never passes the 60 s cap.
    expect(Math.min(...retryAfters)).toBeGreaterThanOrEqual(1);
    expect(Math.max(...retryAfters)).toBeGreaterThan(10);
    expect(Math.max(...retryAfters)).toBeLessThanOrEqual(60);

    healthy = true;
    clock.advance(60_000);
    expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('allow');
    expect(server.requests.length).toBe(fetches + 1);
    // Healthy again: the backoff is forgotten and the set is cached as usual.
    for (let i = 0; i < 10; i++)
      expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('allow');
    expect(server.requests.length).toBe(fetches + 1);
  });

  it('Retry-After is never below the gate option retryAfter (default 5)', async () => {
    const clock = simulatedClock();
    const issuer = await createTestIssuer(clock.now);
    const server = await startServer((_req, res) => json(res, {}, 500));
    const gate = gateFor(`${server.origin}/jwks`, clock.now);
    const first = await gate.decide('read', bearer(await issuer.mint(scope)));
    expect(first.allow ? undefined : first.headers).toEqual({ 'retry-after': '5' });
  });

  it('keys fetched earlier serve past their max age while refetches fail, for jwksStaleIfError and no longer', async () => {
    const clock = simulatedClock();
    const issuer = await createTestIssuer(clock.now);
    let healthy = true;
    const server = await startServer((_req, res) => (healthy ? json(res, issuer.jwks) : json(res, {}, 500)));
    const minute = 60_000;
    const gate = gateFor(`${server.origin}/jwks`, clock.now, {
      jwksCacheMaxAge: 10 * minute,
      jwksStaleIfError: 15 * minute,
    });
    expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('allow');
    healthy = false;
    const seen: string[] = [];
    // One request a minute for 30 minutes: fresh until 10, stale until 25, refused after.
    for (let m = 1; m <= 30; m++) {
      clock.advance(minute);
      seen.push(`${m}:${outcome(await gate.decide('read', bearer(await issuer.mint(scope))))}`);
    }
    const allowedUntil = seen.filter((s) => s.endsWith(':allow')).map((s) => Number(s.split(':')[0]));
    expect(Math.max(...allowedUntil)).toBe(24);
    expect(seen.slice(24)).toEqual([25, 26, 27, 28, 29, 30].map((m) => `${m}:keys_unavailable`));
    // Refetches were tried while stale, at most one per request here (a minute apart).
    expect(server.requests.length).toBeLessThanOrEqual(1 + 21);

    healthy = true;
    clock.advance(minute);
    expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('allow');
  });

  it('jwksStaleIfError: 0 fails closed as soon as the max age passes and the refetch fails', async () => {
    const clock = simulatedClock();
    const issuer = await createTestIssuer(clock.now);
    let healthy = true;
    const server = await startServer((_req, res) => (healthy ? json(res, issuer.jwks) : json(res, {}, 500)));
    const gate = gateFor(`${server.origin}/jwks`, clock.now, { jwksCacheMaxAge: 1000, jwksStaleIfError: 0 });
    expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('allow');
    healthy = false;
    clock.advance(1000);
    expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('keys_unavailable');
  });

  it('an unknown kid under a healthy key set refetches at most once per cooldown, and is a 401', async () => {
    const clock = simulatedClock();
    const issuer = await createTestIssuer(clock.now, 'k1');
    const stranger = await createTestIssuer(clock.now, 'unknown');
    const server = await startServer((_req, res) => json(res, issuer.jwks));
    const gate = gateFor(`${server.origin}/jwks`, clock.now);
    expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('allow');
    clock.advance(31_000);
    const codes = new Set<string>();
    for (let i = 0; i < 50; i++) {
      codes.add(outcome(await gate.decide('read', bearer(await stranger.mint(scope)))));
      clock.advance(200); // 10 s in all, inside one 30 s cooldown
    }
    expect([...codes]).toEqual(['token_key_unknown']);
    expect(server.requests.length).toBe(2);
  });

  it('concurrent requests share one fetch', async () => {
    const clock = simulatedClock();
    const issuer = await createTestIssuer(clock.now);
    const server = await startServer((_req, res) => setTimeout(() => json(res, issuer.jwks), 100));
    const gate = gateFor(`${server.origin}/jwks`, clock.now);
    const tokens = await Promise.all(Array.from({ length: 20 }, () => issuer.mint(scope)));
    const decisions = await Promise.all(tokens.map((token) => gate.decide('read', bearer(token))));
    expect(decisions.map(outcome)).toEqual(Array(20).fill('allow'));
    expect(server.requests.length).toBe(1);
  });

  it('a server that accepts and never answers: 503 after jwksTimeout, then 503 at once without another fetch', async () => {
    const clock = simulatedClock();
    const issuer = await createTestIssuer(clock.now);
    const server = await startServer(() => undefined);
    const gate = gateFor(`${server.origin}/jwks`, clock.now, { jwksTimeout: 200 });
    for (let i = 0; i < 5; i++) {
      expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('keys_unavailable');
      clock.advance(100);
    }
    expect(server.requests.length).toBe(1);
  });
});

describe('a key set that answers too much', () => {
  const MiB = 1024 * 1024;

  it('a 32 MiB key set streamed without Content-Length: refused 503 at the 64 KiB cap, never buffered', async () => {
    const issuer = await createTestIssuer();
    let written = 0;
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(64 * 1024, 0x20);
      res.write('{"keys":[');
      const pump = () => {
        while (written < 32 * MiB && !res.destroyed) {
          written += chunk.length;
          if (!res.write(chunk)) return void res.once('drain', pump);
        }
        res.end(']}');
      };
      pump();
    });
    // A deadline long enough for all 32 MiB to arrive: only the cap can refuse it.
    const gate = gateFor(`${server.origin}/jwks`, Date.now, { jwksTimeout: 20_000 });
    globalThis.gc?.();
    const before = process.memoryUsage();
    const decision = await gate.decide('read', bearer(await issuer.mint(scope)));
    globalThis.gc?.();
    const after = process.memoryUsage();
    const show = (bytes: number) => `${(bytes / MiB).toFixed(1)} MiB`;
    console.log(
      `[measure] 32 MiB key set: rss ${show(before.rss)} -> ${show(after.rss)}, heapUsed ${show(before.heapUsed)} -> ${show(after.heapUsed)}, server wrote ${show(written)} before the client hung up`,
    );
    expect(outcome(decision)).toBe('keys_unavailable');
    // A body kept in memory would cost at least its 32 MiB (before the cap, rss grew by 130 MiB).
    expect(after.rss - before.rss).toBeLessThan(32 * MiB);
    expect(after.heapUsed - before.heapUsed).toBeLessThan(16 * MiB);
    expect(written).toBeLessThan(32 * MiB);
  });

  it('an honest Content-Length over the cap is refused before the body is read', async () => {
    const issuer = await createTestIssuer();
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(32 * MiB) });
      res.write('{"keys":['); // and never the rest: only the header can have refused it
    });
    const gate = gateFor(`${server.origin}/jwks`, Date.now, { jwksTimeout: 2000 });
    const started = Date.now();
    expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('keys_unavailable');
    expect(Date.now() - started).toBeLessThan(2000); // refused on the header, not by the deadline
  });

  it('jwksMaxBytes is configurable: a set just over it is refused, the same set under a larger cap allowed', async () => {
    const issuer = await createTestIssuer();
    const padded = { keys: [...issuer.jwks.keys, { kty: 'oct', kid: 'pad', k: 'A'.repeat(4000) }] };
    const server = await startServer((_req, res) => json(res, padded));
    const size = JSON.stringify(padded).length;
    const small = gateFor(`${server.origin}/jwks`, Date.now, { jwksMaxBytes: size - 1 });
    const large = gateFor(`${server.origin}/jwks`, Date.now, { jwksMaxBytes: size });
    expect(outcome(await small.decide('read', bearer(await issuer.mint(scope))))).toBe('keys_unavailable');
    expect(outcome(await large.decide('read', bearer(await issuer.mint(scope))))).toBe('allow');
  });

  it.each([
    ['claims 100 bytes and sends 1 MiB', 100, MiB],
    ['claims 2000 bytes and hangs up after 10', 2000, 10],
  ])('a lying Content-Length (%s): 503, never an allow or a crash', async (_, declared, sent) => {
    const issuer = await createTestIssuer();
    const sockets = new Set<Socket>();
    const raw = createTcpServer((socket) => {
      sockets.add(socket);
      socket.on('error', () => undefined);
      socket.once('data', () => {
        socket.write(`HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: ${declared}\r\n\r\n`);
        socket.end(Buffer.alloc(sent, 0x7b)); // '{{{{…'
      });
    });
    await new Promise<void>((resolve) => raw.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = raw.address() as AddressInfo;
      const gate = gateFor(`http://127.0.0.1:${port}/jwks`, Date.now);
      expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('keys_unavailable');
    } finally {
      for (const socket of sockets) socket.destroy();
      await new Promise((resolve) => raw.close(resolve));
    }
  });

  it('a body that drips in a byte at a time ends at the deadline: 503', async () => {
    const issuer = await createTestIssuer();
    const server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const drip = setInterval(() => (res.destroyed ? clearInterval(drip) : res.write(' ')), 20);
      res.on('close', () => clearInterval(drip));
    });
    const gate = gateFor(`${server.origin}/jwks`, Date.now, { jwksTimeout: 300 });
    expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('keys_unavailable');
  });

  it('a redirect is not followed: 503', async () => {
    const issuer = await createTestIssuer();
    const elsewhere = await startServer((_req, res) => json(res, issuer.jwks));
    const server = await startServer((_req, res) => res.writeHead(302, { location: `${elsewhere.origin}/jwks` }).end());
    const gate = gateFor(`${server.origin}/jwks`, Date.now);
    expect(outcome(await gate.decide('read', bearer(await issuer.mint(scope))))).toBe('keys_unavailable');
    expect(elsewhere.requests).toEqual([]);
  });
});
