/**
 * End to end, for Express and Koa: a real authorization server (oidc-provider), an invoice
 * example as a real process, and the step-up client.
 */
import { StepUpError } from '@actiongate/client';
import { afterEach, describe, expect, it } from 'vitest';
import { EXAMPLES } from '../blackbox/support/example.js';
import { autoDecide, cibaFor, type Stack, startStack, stepUpClient } from './support/stack.js';

const stacks: Stack[] = [];
async function stack(name: (typeof EXAMPLES)[number], options = {}) {
  const started = await startStack(name, options);
  stacks.push(started);
  return started;
}
afterEach(async () => {
  await Promise.all(stacks.splice(0).map((s) => s.stop()));
});

describe.each(EXAMPLES)('%s: step-up end to end', (name) => {
  it('a refund: refused, approved, retried once with an elevated token, and the token is single use', async () => {
    const s = await stack(name);
    autoDecide(s, 'approve');
    const { fetch, events, stepUps } = await stepUpClient(s);
    const response = await fetch(`${s.api.url}/invoices/inv_1001/refund`, { method: 'POST' });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ id: 'inv_1001', status: 'refunded' });
    expect(stepUps()).toBe(1);
    expect(s.as.backchannelRequests()).toBe(1);
    expect(events.map((event) => event.type)).toEqual(['step-up:pending', 'step-up:approved']);
    const pending = events[0];
    if (pending?.type !== 'step-up:pending') throw new Error('no pending event');
    expect(pending.request.authorizationDetails).toEqual([
      { type: 'payment_refund', actions: ['refund'], identifier: 'inv_1001' },
    ]);
    expect(pending.request.acrValues).toEqual(['urn:actiongate:mfa']);

    const approved = events[1];
    if (approved?.type !== 'step-up:approved') throw new Error('no approved event');
    const replay = await globalThis.fetch(`${s.api.url}/invoices/inv_1001/refund`, {
      method: 'POST',
      headers: { authorization: `Bearer ${approved.token.accessToken}` },
    });
    expect(replay.status).toBe(401);
    expect(((await replay.json()) as { error_description: string }).error_description).toBe(
      'The access token was already used',
    );
  });

  it('a denial ends cleanly with a StepUpError, and no retry', async () => {
    const s = await stack(name);
    autoDecide(s, 'deny');
    const { fetch, events } = await stepUpClient(s);
    const error = await fetch(`${s.api.url}/invoices/inv_1002/refund`, { method: 'POST' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StepUpError);
    expect((error as StepUpError).code).toBe('denied');
    expect(events.map((event) => event.type)).toEqual(['step-up:pending', 'step-up:denied']);
  });

  it('an approval nobody gives expires', async () => {
    const s = await stack(name, { approvalTtl: 2 });
    const { fetch, events } = await stepUpClient(s);
    const error = await fetch(`${s.api.url}/invoices/inv_1003/refund`, { method: 'POST' }).catch((e: unknown) => e);
    expect((error as StepUpError).code).toBe('expired');
    expect(events.at(-1)?.type).toBe('step-up:expired');
  });

  it('honours slow_down by polling 5 s less often', async () => {
    const s = await stack(name, { slowDownFirstPolls: 1 });
    s.as.inbox.events.on('pending', (approval) => {
      setTimeout(() => void s.as.inbox.decide(approval.id, 'approve'), 1500); // the user takes a moment
    });
    const waits: number[] = [];
    const sleep = (ms: number) => {
      waits.push(ms);
      return new Promise<void>((resolve) => setTimeout(resolve, 1000)); // the test does not wait the full 6 s
    };
    const { fetch } = await stepUpClient(s, cibaFor(s, { sleep }));
    expect((await fetch(`${s.api.url}/invoices/inv_1004/refund`, { method: 'POST' })).status).toBe(200);
    expect(waits[0]).toBe(1000);
    expect(waits[1]).toBe(6000);
  });

  it('stops after one retry when the authorization server keeps issuing insufficient tokens', async () => {
    const s = await stack(name, { approvalAcr: 'urn:actiongate:password' });
    autoDecide(s, 'approve');
    const { fetch, stepUps } = await stepUpClient(s);
    const response = await fetch(`${s.api.url}/invoices/inv_1005/refund`, { method: 'POST' });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_user_authentication"');
    expect(stepUps()).toBe(1);
    expect(s.as.backchannelRequests()).toBe(1);
  });

  it('20 concurrent requests needing the same elevation share one approval', async () => {
    const s = await stack(name);
    autoDecide(s, 'approve');
    const { fetch, stepUps } = await stepUpClient(s);
    const ids = Array.from({ length: 20 }, (_, i) => `inv_${1001 + (i % 10)}`);
    const responses = await Promise.all(ids.map((id) => fetch(`${s.api.url}/invoices/${id}`, { method: 'DELETE' })));
    const statuses = responses.map((response) => response.status).sort();
    expect(statuses.filter((status) => status === 204)).toHaveLength(10);
    expect(statuses.filter((status) => status === 404)).toHaveLength(10);
    expect(stepUps()).toBe(1);
    expect(s.as.backchannelRequests()).toBe(1);
  });

  it('limits approval requests per user and client, refusing the excess without prompting', async () => {
    const s = await stack(name);
    const prompted: string[] = [];
    s.as.inbox.events.on('pending', (approval) => {
      prompted.push(approval.id);
      void s.as.inbox.decide(approval.id, 'deny');
    });
    const { fetch } = await stepUpClient(s);
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const error = await fetch(`${s.api.url}/invoices/inv_1006/refund`, { method: 'POST' }).catch((e: unknown) => e);
      codes.push((error as StepUpError).code);
    }
    expect(codes).toEqual(['denied', 'denied', 'denied', 'denied', 'denied', 'rate_limited']);
    expect(prompted).toHaveLength(5);
  });
});
