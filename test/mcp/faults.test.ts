/**
 * Fail closed (invoice-api.md, inherited by shared/mcp-invoices.md): a key set that cannot be had
 * gets 503 + Retry-After, never an allow and never a hang; once it answers again (after the
 * backoff its Retry-After announced), tokens are served.
 */
import { expect, it } from 'vitest';
import { call, post, serveForFile } from './support.js';

const served = serveForFile();

it('a silent key set: 503 + Retry-After within the fetch timeout, then served once it answers', async () => {
  const s = served();
  s.jwks.mode = 'hang';
  const before = s.jwks.requests;
  const token = await s.token();
  const started = Date.now();
  const refused = await post(s, call('list_invoices'), token);
  expect(refused.status).toBe(503);
  expect(refused.challenge).toBeNull();
  expect(refused.json).toMatchObject({ error_description: expect.any(String) });
  const retryAfter = Number(refused.headers.get('retry-after'));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
  expect(s.jwks.requests).toBeGreaterThan(before);
  // The example gives a key set 2 s.
  expect(Date.now() - started).toBeLessThan(8000);

  s.jwks.mode = 'ok';
  const deadline = Date.now() + (retryAfter + 3) * 1000;
  let status = 503;
  while (status === 503 && Date.now() < deadline) {
    const reply = await post(s, call('list_invoices'), token);
    status = reply.status;
    if (status === 503) await new Promise((resolve) => setTimeout(resolve, 250));
  }
  expect(status).toBe(200);
}, 30_000);

it('a key set that answers 500 or garbage is never an allow', async () => {
  const s = served();
  for (const mode of ['error500', 'garbage'] as const) {
    s.jwks.mode = mode;
    // A kid no fetch has seen: it must be fetched, and cannot be.
    const reply = await post(s, call('list_invoices'), await s.token({}, { header: { kid: `unseen-${mode}` } }));
    expect([401, 503]).toContain(reply.status);
    if (reply.status === 503) expect(reply.headers.get('retry-after')).toMatch(/^\d+$/);
    else expect(reply.challenge).toContain('error="invalid_token"');
  }
  s.jwks.mode = 'ok';
});
