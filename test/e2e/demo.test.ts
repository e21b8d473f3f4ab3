/**
 * `pnpm demo` as a new user runs it: exits 0, tells the whole story, within 20 s, and leaves
 * no server behind.
 */
import { spawn } from 'node:child_process';
import { Socket } from 'node:net';
import { fileURLToPath } from 'node:url';
import { expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../', import.meta.url));

function accepts(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.once('connect', () => resolve(socket.destroy() === socket)).once('error', () => resolve(false));
    socket.connect(Number(port), hostname);
  });
}

it('pnpm demo runs the story end to end and exits 0 in under 20 s', async () => {
  const started = Date.now();
  const child = spawn(
    process.execPath,
    ['--conditions=@actiongate/source', '--import', 'tsx', 'examples/demo/src/demo.ts'],
    {
      cwd: root,
      env: { ...process.env, NO_COLOR: '1' },
    },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
  });
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  const elapsed = Date.now() - started;

  expect(code).toBe(0);
  expect(elapsed).toBeLessThan(20_000);
  expect(stdout).toContain('GET /invoices → 200, 10 invoices');
  expect(stdout).toMatch(/POST \/invoices\/inv_1001\/refund → 401/);
  expect(stdout).toContain('error="insufficient_user_authentication", scope="payments:refund"');
  // Alice approves on her device, signed in to the inbox over HTTP, and sees what is asked.
  expect(stdout).toContain(`alice's device asks alice to approve: "refund inv_1001 (payment_refund) at 127.0.0.1:`);
  expect(stdout).toMatch(
    /client invoice-app, resource http:\/\/127\.0\.0\.1:\d+, scope .*payments:refund.*payment_refund: refund inv_1001/,
  );
  expect(stdout).toContain('alice approves on her device');
  expect(stdout).toContain('alice denies on her device');
  expect(stdout).toContain('acr urn:actiongate:mfa, lifetime 300 s');
  expect(stdout).toContain('POST /invoices/inv_1001/refund → 200 {"id":"inv_1001","status":"refunded"}');
  expect(stdout).toContain('→ 401 The access token was already used');
  expect(stdout).toContain('StepUpError denied');
  // DPoP (RFC 9449): the tokens are bound to the client's key, and a copied elevated token is refused
  // by the invoice API itself, as Bearer and with a proof by another key; the refund then succeeds.
  expect(stdout).toMatch(/baseline token: scope invoices:read, valid an hour, token_type dpop, bound to the key/);
  expect(stdout).toContain(
    'An attacker who copied the elevated token as it was issued replays it first, without the key',
  );
  expect(stdout).toContain('as Bearer: POST /invoices/inv_1001/refund → 401');
  expect(stdout).toContain('with a DPoP proof by his own key: → 401');
  expect(stdout).toMatch(/WWW-Authenticate: .*DPoP .*error="invalid_token"/);
  expect(stdout).toContain('GET /invoices/inv_1001 → 200, status open');
  expect(stdout).toContain('= the client key');
  // Revocation (RFC 7009 at the authorization server, seen by the invoice API through RFC 7662
  // introspection): an approved, bound, unexpired token is refused from its next request on.
  expect(stdout).toContain('An approved, bound, still valid token is revoked at the authorization server, and refused');
  expect(stdout).toMatch(/approved: an elevated token bound to the key, valid (29\d|300) s more, not used yet/);
  expect(stdout).toContain('the client revokes it: POST /token/revocation (RFC 7009) → 200');
  expect(stdout).toContain(
    'the retry with it and a proof by the key: POST /invoices/inv_1003/refund → 401 The access token is not active',
  );
  const refusedAfter = /refused (\d+) ms after the revocation/.exec(stdout);
  expect(refusedAfter).not.toBeNull();
  expect(stdout).toContain("the authorization server's introspection (RFC 7662) answers active: false");
  expect(stdout).toContain('GET /invoices/inv_1003 → 200, status open');
  // Revocation on the resource side: the deny list on Redis every instance shares (redis-server is
  // required by the suites, see test/support/redis-server.ts), by sub, on a token still valid.
  expect(stdout).toContain(
    'The operator revokes every token alice was issued so far, on the deny list every API instance shares',
  );
  expect(stdout).toMatch(
    /alice's elevated token \(valid \d+ s more\) with a proof by the key: GET \/invoices\/inv_1001 → 200/,
  );
  expect(stdout).toContain("revoke({ sub: 'alice' }) on the shared RedisRevocationStore → done");
  expect(stdout).toMatch(/the same request again → 401 The access token was revoked, \d+ ms after the revocation/);
  expect(stdout).toContain("the client's own baseline token (sub invoice-app) is untouched: GET /invoices → 200");

  // oidc-provider 8 supports every LTS line from 18 ("Hydrogen") on, so on any supported Node
  // it prints no runtime notice, and the demo configures everything it would otherwise warn
  // about (storage adapter, cookie keys, signing keys, the CIBA and resource functions).
  expect(stderr).not.toContain('oidc-provider WARNING');

  const [, asUrl, apiUrl] = /authorization server \((\S+)\) and the Express invoice API \((\S+)\)/.exec(stdout) ?? [];
  expect(await accepts(asUrl as string)).toBe(false);
  expect(await accepts(apiUrl as string)).toBe(false);
});
