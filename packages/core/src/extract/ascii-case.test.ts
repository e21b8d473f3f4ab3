import { describe, expect, it } from 'vitest';
import { startsWithIgnoringCase } from './ascii-case.js';

describe('startsWithIgnoringCase', () => {
  it('folds ASCII letters only', () => {
    expect(startsWithIgnoringCase('Bearer abc', 'bearer')).toBe(true);
    expect(startsWithIgnoringCase('BEARER', 'bearer')).toBe(true);
    expect(startsWithIgnoringCase('Beare', 'bearer')).toBe(false);
    // A control character is 0x20 below "-", and 0x10 is 0x20 below "0": neither is a case of it.
    expect(startsWithIgnoringCase('content\rtype', 'content-type')).toBe(false);
    expect(startsWithIgnoringCase('x\u0010', 'x0')).toBe(false);
    // Characters that lowercase to ASCII letters elsewhere in Unicode are not these letters.
    expect(startsWithIgnoringCase('\u212Aey', 'key')).toBe(false);
    expect(startsWithIgnoringCase('\u0130d', 'id')).toBe(false);
  });
});
