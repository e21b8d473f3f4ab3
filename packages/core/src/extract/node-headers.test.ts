import { describe, expect, it } from 'vitest';
import { authorizationFields } from './node-headers.js';

describe('authorizationFields', () => {
  it('finds every Authorization field, whatever its case', () => {
    expect(authorizationFields(['Host', 'a', 'Authorization', 'Bearer x'])).toBe('Bearer x');
    expect(
      authorizationFields(['authorization', 'Bearer x', 'AUTHORIZATION', 'Bearer y', 'authorization', 'z']),
    ).toEqual(['Bearer x', 'Bearer y', 'z']);
    expect(authorizationFields(['Host', 'a', 'Proxy-Authorization', 'Basic q'])).toBeUndefined();
    expect(authorizationFields([])).toBeUndefined();
  });
});
