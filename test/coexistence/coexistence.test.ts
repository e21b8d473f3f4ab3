/**
 * actiongate beside express-oauth2-jwt-bearer in one app, as a team migrating one route at a
 * time runs them: the project type-checks with `skipLibCheck: false` (the real tsc), and over
 * real HTTP each library guards its routes, passes its tokens and refuses with its own challenge.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Listening, listen, resourceMetadataOf } from '../../packages/express/test/serve.js';
import { type JwksServer, startJwksServer } from '../blackbox/support/jwks-server.js';
import { createKeys, ISSUER, mint, type TestKeys } from '../blackbox/support/keys.js';
import { createMigratingApp } from './fixture/app.js';

const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const fixture = (name: string) => fileURLToPath(new URL(`./fixture/${name}`, import.meta.url));

function typecheck(project: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [tsc, '-p', fixture(project), '--pretty', 'false'],
      { timeout: 150_000 },
      (error, stdout) =>
        resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, output: stdout }),
    );
  });
}

describe('type-checking a project that uses both (skipLibCheck: false)', () => {
  it('compiles: nothing actiongate declares collides with express-oauth2-jwt-bearer', {
    timeout: 180_000,
  }, async () => {
    const { code, output } = await typecheck('tsconfig.json');
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  // The declarations users install; present after `pnpm build` (which `pnpm test` runs first).
  const built = ['core', 'express'].every((name) =>
    existsSync(fileURLToPath(new URL(`../../packages/${name}/dist/index.d.ts`, import.meta.url))),
  );
  it.skipIf(!built)('compiles against the built declarations (dist) too', { timeout: 180_000 }, async () => {
    const { code, output } = await typecheck('tsconfig.dist.json');
    expect(output).toBe('');
    expect(code).toBe(0);
  });

  it('would fail with TS2717 had actiongate declared req.auth globally, as it did before', {
    timeout: 180_000,
  }, async () => {
    const { code, output } = await typecheck('tsconfig.collision.json');
    expect(code).not.toBe(0);
    expect(output).toContain(
      "collision.ts(10,7): error TS2717: Subsequent property declarations must have the same type.  Property 'auth' must be of type 'VerifyJwtResult | undefined'",
    );
  });
});

describe('one app, a route guarded by each library', () => {
  // express-oauth2-jwt-bearer's own challenge (it also offers DPoP with its algorithm list).
  const LEGACY_MISSING =
    'Bearer realm="api", DPoP algs="RS256 RS384 RS512 PS256 PS384 PS512 ES256 ES256K ES384 ES512 EdDSA"';
  let keys: TestKeys;
  let jwks: JwksServer;
  let server: Listening;
  let audience: string;
  beforeAll(async () => {
    keys = await createKeys();
    jwks = await startJwksServer(keys.jwks);
    server = await listen();
    audience = `${server.origin}/`;
    server.handle(createMigratingApp({ issuer: ISSUER, jwksUri: jwks.url, audience }));
  });
  afterAll(async () => {
    await server?.close();
    await jwks?.close();
  });
  const get = (path: string, token?: string) =>
    fetch(`${server.origin}${path}`, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  it('a correct token passes both, each handler reading its own library’s result', async () => {
    const token = await mint(keys, audience, { claims: { scope: 'invoices:read', sub: 'alice' } });
    const legacy = await get('/legacy/invoices', token);
    expect(legacy.status).toBe(200);
    expect(await legacy.json()).toEqual({ by: 'express-oauth2-jwt-bearer', sub: 'alice' });
    const migrated = await get('/invoices', token);
    expect(migrated.status).toBe(200);
    expect(await migrated.json()).toEqual({ by: 'actiongate', sub: 'alice', action: 'invoices.list', same: true });
    // On one route both run, and neither overwrites the other's result.
    const both = await get('/both', token);
    expect(await both.json()).toEqual({ legacy: 'alice', actiongate: 'alice' });
  });

  it('no token: each refuses with 401 and its own challenge', async () => {
    const legacy = await get('/legacy/invoices');
    expect(legacy.status).toBe(401);
    expect(legacy.headers.get('www-authenticate')).toBe(LEGACY_MISSING);
    const migrated = await get('/invoices');
    expect(migrated.status).toBe(401);
    const challenge = migrated.headers.get('www-authenticate');
    expect(challenge).toBe(`Bearer resource_metadata="${server.origin}/.well-known/oauth-protected-resource"`);
    expect(await migrated.json()).toEqual({ error_description: 'A bearer access token is required' });
    const document = await fetch(resourceMetadataOf(challenge) as string);
    expect(document.status).toBe(200);
    expect(((await document.json()) as { resource: string }).resource).toBe(audience);
  });

  it('a token without the scope: each refuses with 403 insufficient_scope', async () => {
    const token = await mint(keys, audience, { claims: { scope: 'invoices:write' } });
    const legacy = await get('/legacy/invoices', token);
    expect(legacy.status).toBe(403);
    expect(legacy.headers.get('www-authenticate')).toBe(
      'Bearer realm="api", error="insufficient_scope", error_description="Insufficient Scope", scope="invoices:read"',
    );
    const migrated = await get('/invoices', token);
    expect(migrated.status).toBe(403);
    expect(migrated.headers.get('www-authenticate')).toBe(
      `Bearer error="insufficient_scope", scope="invoices:read", resource_metadata="${server.origin}/.well-known/oauth-protected-resource", error_description="The access token lacks the scopes this action requires"`,
    );
  });

  it('a token for another audience: each refuses with 401 invalid_token', async () => {
    const token = await mint(keys, 'https://elsewhere.example/', { claims: { scope: 'invoices:read' } });
    const legacy = await get('/legacy/invoices', token);
    expect(legacy.status).toBe(401);
    expect(legacy.headers.get('www-authenticate')).toMatch(/^Bearer realm="api", error="invalid_token", /);
    const migrated = await get('/invoices', token);
    expect(migrated.status).toBe(401);
    expect(migrated.headers.get('www-authenticate')).toMatch(/^Bearer error="invalid_token", /);
    expect(((await migrated.json()) as { error: string }).error).toBe('invalid_token');
    const both = await get('/both', token);
    expect(both.status).toBe(401);
  });
});
