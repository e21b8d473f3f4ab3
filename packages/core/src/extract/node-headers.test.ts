import { describe, expect, it } from 'vitest';
import { authorizationFields, dpopFields, rawFieldValues } from './node-headers.js';

describe('authorizationFields', () => {
  it('finds every Authorization field, whatever its case', () => {
    expect(authorizationFields(['Host', 'a', 'Authorization', 'Bearer x'])).toBe('Bearer x');
    expect(
      authorizationFields(['authorization', 'Bearer x', 'AUTHORIZATION', 'Bearer y', 'aUtHoRiZaTiOn', 'z']),
    ).toEqual(['Bearer x', 'Bearer y', 'z']);
    expect(authorizationFields(['Host', 'a', 'Proxy-Authorization', 'Basic q'])).toBeUndefined();
    expect(authorizationFields([])).toBeUndefined();
  });
});

describe('rawFieldValues', () => {
  it('reads DPoP among other four-letter fields', () => {
    expect(dpopFields(['Host', 'a', 'DPoP', 'p1', 'dpop', 'p2', 'Date', 'd'])).toEqual(['p1', 'p2']);
  });

  it('folds the case of ASCII letters only (RFC 9110 §5.1)', () => {
    // A control character is 0x20 below "-": a folding of every code would take it for one.
    expect(rawFieldValues(['content\rtype', 'text/plain'], 'content-type')).toBeUndefined();
    expect(rawFieldValues(['CONTENT-TYPE', 'text/plain'], 'content-type')).toBe('text/plain');
    // Characters that lowercase to ASCII letters elsewhere in Unicode are not these letters.
    expect(rawFieldValues(['\u212Aey', 'v'], 'key')).toBeUndefined();
    expect(rawFieldValues(['DP\u00D6P', 'v'], 'dpop')).toBeUndefined();
  });

  it('counts a name left without a value at the end of an odd list as an empty field, not as nothing', () => {
    expect(rawFieldValues(['Authorization'], 'authorization')).toBe('');
    expect(authorizationFields(['Authorization', 'Bearer abc', 'Authorization'])).toEqual(['Bearer abc', '']);
    expect(dpopFields(['DPoP', 'p1', 'DPoP'])).toEqual(['p1', '']);
  });

  it('takes the name in any case', () => {
    expect(rawFieldValues(['mcp-method', 'a', 'MCP-METHOD', 'b'], 'Mcp-Method')).toEqual(['a', 'b']);
  });
});
