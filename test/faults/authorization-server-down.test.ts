/**
 * The authorization server goes down between the baseline token and the step-up: the client
 * reports it, makes no retry and no loop.
 */
import { StepUpError } from '@actiongate/client';
import { expect, it } from 'vitest';
import { startStack, stepUpClient } from '../e2e/support/stack.js';

it('reports a step-up against a dead authorization server as failed, without looping', async () => {
  const stack = await startStack('express-invoices');
  try {
    const client = await stepUpClient(stack);
    // The API fetches the key set once; with the authorization server gone it would answer 503.
    expect((await client.fetch(`${stack.api.url}/invoices`)).status).toBe(200);
    await stack.as.close();
    const started = Date.now();
    const outcome = await client
      .fetch(`${stack.api.url}/invoices/inv_1001/refund`, { method: 'POST' })
      .catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(StepUpError);
    expect((outcome as StepUpError).code).toBe('failed');
    expect(client.stepUps()).toBe(1);
    expect(Date.now() - started).toBeLessThan(5000);
  } finally {
    await stack.stop();
  }
});
