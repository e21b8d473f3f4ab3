import { describe, expect, it } from 'vitest';
import type { StepUpRequest } from '../step-up/types.js';
import { BINDING_MESSAGE_LIMIT, defaultBindingMessage } from './binding-message.js';

const base: StepUpRequest = {
  reason: 'insufficient_user_authentication',
  scope: ['invoices:read', 'payments:refund'],
  resource: 'https://api.example.com',
  method: 'POST',
  url: 'https://api.example.com/invoices/inv_1001/refund',
};
const fits = (message: string) => message.length <= BINDING_MESSAGE_LIMIT && /^[\x20-\x7e]*$/.test(message);

describe('defaultBindingMessage', () => {
  it('names the action from authorization_details, the host and the scopes', () => {
    const message = defaultBindingMessage({
      ...base,
      authorizationDetails: [{ type: 'payment_refund', actions: ['refund'], identifier: 'inv_1001' }],
    });
    expect(message).toBe('refund inv_1001 (payment_refund) at api.example.com, scope invoices:read payments:refund');
  });

  it('falls back to method and path without details', () => {
    expect(
      defaultBindingMessage({ ...base, method: 'DELETE', url: 'https://api.example.com:8443/invoices/inv_7' }),
    ).toBe('DELETE /invoices/inv_7 at api.example.com:8443, scope invoices:read payments:refund');
  });

  it('keeps the host and counts the scopes it cannot show when there are many', () => {
    const scope = Array.from({ length: 20 }, (_, i) => `scope:number-${i}`);
    const message = defaultBindingMessage({ ...base, scope });
    expect(fits(message)).toBe(true);
    expect(message).toContain(' at api.example.com, scope scope:number-0 ');
    expect(message).toMatch(/ \+\d+$/);
    const shown = message.split(', scope ')[1]?.split(' ') ?? [];
    expect(shown.length - 1 + Number(shown.at(-1)?.slice(1))).toBe(20); // shown + "+N" = all
  });

  it('shortens a long action but never drops the host', () => {
    const message = defaultBindingMessage({ ...base, url: `https://api.example.com/${'a'.repeat(300)}` });
    expect(fits(message)).toBe(true);
    expect(message).toContain('... at api.example.com, scope invoices:read payments:refund');
  });

  it('stays printable ASCII whatever the server put in the details', () => {
    const message = defaultBindingMessage({
      ...base,
      authorizationDetails: [{ type: 'payment_refund', actions: ['refund\r\n'], identifier: 'inv_é\u0000' }],
    });
    expect(fits(message)).toBe(true);
    expect(message).toBe('refund?? inv_?? (payment_refund) at api.example.com, scope invoices:read payments:refund');
  });

  it('fits several details entries and a long host', () => {
    const host = `${'h'.repeat(60)}.example.com`;
    const message = defaultBindingMessage({
      ...base,
      url: `https://${host}/x`,
      authorizationDetails: Array.from({ length: 5 }, (_, i) => ({
        type: 'payment_refund',
        actions: ['refund'],
        identifier: `inv_${i}`,
      })),
    });
    expect(fits(message)).toBe(true);
    expect(message).toContain(` at ${host}`);
  });
});
