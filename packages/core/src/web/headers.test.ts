import { describe, expect, it } from 'vitest';
import { applyDecisionHeaders, credentialFields, rawCredentialFields } from './headers.js';

const joined = (name: string, values: string[]): Headers => {
  const headers = new Headers();
  for (const value of values) headers.append(name, value);
  return headers;
};

describe('credentialFields', () => {
  it.each([
    ['two Bearer fields', ['Bearer a', 'Bearer b'], ['Bearer a', 'Bearer b']],
    ['Basic then Bearer', ['Basic dXNlcjpwYXNz', 'Bearer t'], ['Basic dXNlcjpwYXNz', 'Bearer t']],
    ['two empty fields', ['', ''], ['', '']],
    ['one empty, one Bearer', ['', 'Bearer t'], ['', 'Bearer t']],
    ['three fields', ['Bearer a', 'Bearer b', 'Bearer c'], ['Bearer a', 'Bearer b', 'Bearer c']],
  ])('Headers joins %s with ", ": it is split back into a repeat', (_, values, expected) => {
    const headers = joined('authorization', values);
    expect(headers.get('authorization')).toBe(values.join(', '));
    expect(credentialFields(headers, 'authorization')).toEqual(expected);
  });

  it('a single field with a comma (auth-params) counts as a repeat: no Bearer credentials hold one', () => {
    expect(credentialFields(new Headers({ authorization: 'Digest a=1, b=2' }), 'authorization')).toEqual([
      'Digest a=1',
      'b=2',
    ]);
  });

  it('a comma without the space Headers joins with is one malformed field, not a repeat', () => {
    expect(credentialFields(new Headers({ authorization: 'Bearer a,b' }), 'authorization')).toBe('Bearer a,b');
  });

  it('a copied Headers (trimmed again) still shows an empty repeat', () => {
    for (const values of [
      ['Bearer x', ''],
      ['', ''],
      ['', 'Bearer x'],
    ]) {
      const copy = new Request('https://api.test/', { headers: joined('authorization', values) }).headers;
      expect(credentialFields(copy, 'authorization'), JSON.stringify(values)).toEqual(values);
    }
  });

  it('repeated DPoP proofs are split too', () => {
    expect(credentialFields(joined('DPoP', ['x.y.z', 'x.y.z']), 'dpop')).toEqual(['x.y.z', 'x.y.z']);
  });

  it('one field is a string; an absent one is undefined; an empty one is ""', () => {
    expect(credentialFields(new Headers({ authorization: 'Bearer abc' }), 'authorization')).toBe('Bearer abc');
    expect(credentialFields(new Headers(), 'authorization')).toBeUndefined();
    expect(credentialFields(new Headers({ authorization: '' }), 'authorization')).toBe('');
  });
});

describe('rawCredentialFields', () => {
  it('reads each field as sent, whatever its case, and tells one field with ", " from a repeat', () => {
    const raw = ['Host', 'h', 'Authorization', 'Bearer a, Bearer b', 'dpop', 'p1', 'DPoP', 'p2', 'authorization', ''];
    expect(rawCredentialFields(raw, 'authorization')).toEqual(['Bearer a, Bearer b', '']);
    expect(rawCredentialFields(raw, 'dpop')).toEqual(['p1', 'p2']);
    expect(rawCredentialFields(['AUTHORIZATION', 'Bearer x'], 'authorization')).toBe('Bearer x');
    // A name left without a value (an odd list, which Node never makes) is seen, as an empty field.
    expect(rawCredentialFields(['Host', 'h', 'authorization'], 'authorization')).toBe('');
  });
});

describe('applyDecisionHeaders', () => {
  it('copies the decision headers and replaces an older value', () => {
    const target = new Headers({ 'dpop-nonce': 'old', 'content-type': 'text/plain' });
    expect(applyDecisionHeaders(target, { headers: { 'dpop-nonce': 'fresh' } })).toBe(target);
    expect([...target]).toEqual([
      ['content-type', 'text/plain'],
      ['dpop-nonce', 'fresh'],
    ]);
  });

  it('leaves the headers alone when the decision has none', () => {
    const target = new Headers({ a: '1' });
    applyDecisionHeaders(target, {});
    expect([...target]).toEqual([['a', '1']]);
  });
});
