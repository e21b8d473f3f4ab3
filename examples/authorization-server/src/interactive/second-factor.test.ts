import { describe, expect, it } from 'vitest';
import { checkResponse, newChallenge, ocraResponse } from './second-factor.js';

describe('OCRA-1:HOTP-SHA1-6:QN08 (RFC 6287 Appendix C.1)', () => {
  // The RFC's 20-byte test key "12345678901234567890".
  const key = Buffer.from('12345678901234567890', 'ascii').toString('hex');
  const vectors: [string, string][] = [
    ['00000000', '237653'],
    ['11111111', '243178'],
    ['22222222', '653583'],
    ['33333333', '740991'],
    ['44444444', '608993'],
    ['55555555', '388898'],
    ['66666666', '816933'],
    ['77777777', '224598'],
    ['88888888', '750600'],
    ['99999999', '294470'],
  ];
  it.each(vectors)('challenge %s answers %s', (challenge, response) => {
    expect(ocraResponse(key, challenge)).toBe(response);
    expect(checkResponse(key, challenge, response)).toBe(true);
  });

  it('a response answers its own challenge only, and nothing malformed passes', () => {
    expect(checkResponse(key, '11111111', '237653')).toBe(false);
    expect(checkResponse(key, '00000000', '')).toBe(false);
    expect(checkResponse(key, '00000000', '2376530')).toBe(false);
    expect(() => ocraResponse('zz', '00000000')).toThrow(TypeError);
    expect(() => ocraResponse(key, '123456789')).toThrow(TypeError);
  });

  it('draws 8-digit challenges', () => {
    const seen = new Set(Array.from({ length: 20 }, () => newChallenge()));
    for (const challenge of seen) expect(challenge).toMatch(/^\d{8}$/);
    expect(seen.size).toBeGreaterThan(1);
  });
});
