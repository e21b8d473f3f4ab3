import { describe, expect, it } from 'vitest';
import { checkStandardHeaders, decodeMcpName } from './headers.js';
import { readMessage } from './message.js';

const refund = readMessage({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'refund_invoice' } });
const read = readMessage({ jsonrpc: '2.0', id: 2, method: 'resources/read', params: { uri: 'file:///a' } });
const b64 = (text: string) => `=?base64?${Buffer.from(text).toString('base64')}?=`;

describe('checkStandardHeaders (SEP-2243)', () => {
  it('refuses a name header that names another tool than the body', () => {
    expect(checkStandardHeaders(refund, { mcpMethod: 'tools/call', mcpName: 'list_invoices' })).toBe('mismatch');
    expect(checkStandardHeaders(refund, { mcpMethod: undefined, mcpName: b64('list_invoices') })).toBe('mismatch');
  });

  it('refuses a repeated header, even when one copy agrees', () => {
    expect(checkStandardHeaders(refund, { mcpMethod: ['tools/call', 'tools/list'], mcpName: undefined })).toBe(
      'mismatch',
    );
    expect(checkStandardHeaders(refund, { mcpMethod: undefined, mcpName: ['refund_invoice', 'x'] })).toBe('mismatch');
  });

  it('refuses a name header on a method that has no name, and headers on a body without a method', () => {
    const list = readMessage({ jsonrpc: '2.0', id: 1, method: 'tools/list' });
    expect(checkStandardHeaders(list, { mcpMethod: 'tools/list', mcpName: 'refund_invoice' })).toBe('mismatch');
    const response = readMessage({ jsonrpc: '2.0', id: 1, result: {} });
    expect(checkStandardHeaders(response, { mcpMethod: 'tools/call', mcpName: undefined })).toBe('mismatch');
    const nameless = readMessage({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: {} });
    expect(checkStandardHeaders(nameless, { mcpMethod: undefined, mcpName: 'refund_invoice' })).toBe('mismatch');
  });

  it('compares case-sensitively and does not unfold lookalikes', () => {
    expect(checkStandardHeaders(refund, { mcpMethod: 'Tools/Call', mcpName: undefined })).toBe('mismatch');
    expect(checkStandardHeaders(refund, { mcpMethod: undefined, mcpName: 'REFUND_INVOICE' })).toBe('mismatch');
  });

  it('accepts agreeing headers, plain or base64, around optional whitespace, and no headers at all', () => {
    expect(checkStandardHeaders(refund, { mcpMethod: ' tools/call\t', mcpName: 'refund_invoice' })).toBe('agree');
    expect(checkStandardHeaders(refund, { mcpMethod: 'tools/call', mcpName: b64('refund_invoice') })).toBe('agree');
    expect(checkStandardHeaders(read, { mcpMethod: 'resources/read', mcpName: b64('file:///a') })).toBe('agree');
    expect(checkStandardHeaders(refund, { mcpMethod: undefined, mcpName: undefined })).toBe('agree');
  });
});

describe('decodeMcpName', () => {
  it('rejects a sentinel whose payload is not canonical base64 of UTF-8', () => {
    expect(decodeMcpName('=?base64?@@@@?=')).toBeUndefined();
    expect(decodeMcpName('=?base64?cmVmdW5k?=')).toBe('refund');
    expect(decodeMcpName('=?base64?cmVmdW5?=')).toBeUndefined(); // unpadded
    expect(decodeMcpName(`=?base64?${Buffer.from([0xff, 0xfe]).toString('base64')}?=`)).toBeUndefined();
  });

  it('passes a plain value through and decodes non-ASCII names', () => {
    expect(decodeMcpName('list_invoices')).toBe('list_invoices');
    expect(decodeMcpName(`=?base64?${Buffer.from('rückerstattung').toString('base64')}?=`)).toBe('rückerstattung');
  });
});
