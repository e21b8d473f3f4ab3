/**
 * The authorization server's approval page: a person sees what is asked and decides there.
 */
import type { StepUpError } from '@actiongate/client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Stack, startStack, stepUpClient } from './support/stack.js';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack('koa-invoices');
});
afterAll(() => stack.stop());

async function decideOnPage(decision: 'approve' | 'deny'): Promise<string> {
  let page = '';
  for (let i = 0; i < 50 && !page.includes('<form'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 100));
    page = await (await fetch(`${stack.as.issuer}/approvals`)).text();
  }
  const id = /action="\/approvals\/([^"]+)"/.exec(page)?.[1];
  const response = await fetch(`${stack.as.issuer}/approvals/${id}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ decision }),
    redirect: 'manual',
  });
  expect(response.status).toBe(303);
  return page;
}

it('shows the binding message and the details, and an approval there completes the refund', async () => {
  const { fetch: stepUpFetch } = await stepUpClient(stack);
  const [response, page] = await Promise.all([
    stepUpFetch(`${stack.api.url}/invoices/inv_1008/refund`, { method: 'POST' }),
    decideOnPage('approve'),
  ]);
  expect(page).toContain('refund inv_1008 (payment_refund) at 127.0.0.1:');
  expect(page).toContain('&#34;identifier&#34;:&#34;inv_1008&#34;');
  expect(response.status).toBe(200);
  expect(await (await fetch(`${stack.as.issuer}/approvals`)).text()).toContain('<li>none</li>');
});

it('a denial there ends the step-up', async () => {
  const { fetch: stepUpFetch } = await stepUpClient(stack);
  const [outcome] = await Promise.all([
    stepUpFetch(`${stack.api.url}/invoices/inv_1009/refund`, { method: 'POST' }).catch((error: unknown) => error),
    decideOnPage('deny'),
  ]);
  expect((outcome as StepUpError).code).toBe('denied');
});
