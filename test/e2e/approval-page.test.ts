/**
 * The authorization server's approval page: alice, signed in, sees what is asked and decides
 * there, through the pages a browser gets (form, CSRF token, own origin).
 */
import type { StepUpError } from '@actiongate/client';
import { DEMO_USERS } from '@actiongate-examples/authorization-server';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { raw, signIn } from './support/http.js';
import { type Stack, startStack, stepUpClient } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('koa-invoices');
});
afterAll(() => stack.stop());

async function decideOnPage(decision: 'approve' | 'deny'): Promise<string> {
  const cookie = await signIn(stack.as.issuer, 'alice', DEMO_USERS.alice as string);
  let page = '';
  for (let i = 0; i < 50 && !page.includes('action="/approvals/'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    page = (await raw(`${stack.as.issuer}/approvals`, { headers: { cookie } })).body.replace(
      /<form[^>]*logout[\s\S]*?<\/form>/,
      '',
    );
  }
  const id = /action="\/approvals\/([^"]+)"/.exec(page)?.[1];
  const csrf = /name="csrf" value="([^"]+)"/.exec(page)?.[1] as string;
  const response = await raw(`${stack.as.issuer}/approvals/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie, origin: stack.as.issuer },
    body: new URLSearchParams({ decision, csrf }).toString(),
  });
  expect(response.status).toBe(303);
  return page;
}

it('shows what is asked (message, client, resource, scopes, details) and an approval there completes the refund', async () => {
  const { fetch: stepUpFetch } = await stepUpClient(stack);
  const [response, page] = await Promise.all([
    stepUpFetch(`${stack.api.url}/invoices/inv_1008/refund`, { method: 'POST' }),
    decideOnPage('approve'),
  ]);
  expect(page).toContain('refund inv_1008 (payment_refund) at 127.0.0.1:');
  expect(page).toContain('<dt>client</dt><dd><code>invoice-app</code></dd>');
  expect(page).toContain(`<dt>resource</dt><dd><code>${stack.audience}</code></dd>`);
  expect(page).toContain('<code>payments:refund</code>');
  expect(page).toContain('<dt>type</dt><dd><code>payment_refund</code></dd>');
  expect(page).toContain('<dt>identifier</dt><dd><code>inv_1008</code></dd>');
  expect(response.status).toBe(200);
  const cookie = await signIn(stack.as.issuer, 'alice', DEMO_USERS.alice as string);
  expect((await raw(`${stack.as.issuer}/approvals`, { headers: { cookie } })).body).toContain('<li>none</li>');
});

it('a denial there ends the step-up', async () => {
  const { fetch: stepUpFetch } = await stepUpClient(stack);
  const [outcome] = await Promise.all([
    stepUpFetch(`${stack.api.url}/invoices/inv_1009/refund`, { method: 'POST' }).catch((error: unknown) => error),
    decideOnPage('deny'),
  ]);
  expect((outcome as StepUpError).code).toBe('denied');
});
