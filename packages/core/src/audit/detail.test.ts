import { describe, expect, it } from 'vitest';
import {
  detailValue,
  MAX_DETAIL_CHARS,
  MAX_DETAIL_VALUES,
  missing,
  notAccepted,
  sanitizeDetailString,
  trailingSlashHint,
  wrongType,
} from './detail.js';

describe('audit detail', () => {
  it('replaces control, line-separator and bidirectional characters', () => {
    const forged = 'https://as.test\r\nlevel=info msg="allowed"\u0000\u2028\u202e\u2066x\u007f\u0085';
    const clean = sanitizeDetailString(forged);
    expect(clean).toBe('https://as.test\uFFFD\uFFFDlevel=info msg="allowed"\uFFFD\uFFFD\uFFFD\uFFFDx\uFFFD\uFFFD');
  });

  it('cuts long strings and long lists', () => {
    expect(sanitizeDetailString('a'.repeat(10_000))).toHaveLength(MAX_DETAIL_CHARS + 1);
    const many = Array.from({ length: 1000 }, (_, i) => `aud-${i}`);
    const shown = detailValue(many) as string[];
    expect(shown).toHaveLength(MAX_DETAIL_VALUES + 1);
    expect(shown.at(-1)).toBe(`… ${1000 - MAX_DETAIL_VALUES} more`);
  });

  it('never copies a non-string: it names its JSON type', () => {
    expect(detailValue({ secret: 'x' })).toBe('<object>');
    expect(detailValue(42)).toBe('<number>');
    expect(detailValue(null)).toBe('<null>');
    expect(detailValue(['a', { b: 1 }, 2])).toEqual(['a', '<object>', '<number>']);
    expect(wrongType('sub', 123, 'string')).toEqual({
      claim: 'sub',
      problem: 'wrong_type',
      found: 'number',
      expected: ['string'],
    });
    expect(wrongType('scp', [1])).toEqual({ claim: 'scp', problem: 'wrong_type', found: 'array' });
  });

  it('hints at a trailing-slash mismatch either way, and for aud lists', () => {
    expect(trailingSlashHint('iss', 'https://x.auth0.com', ['https://x.auth0.com/'])).toContain(
      'configure "https://x.auth0.com"',
    );
    expect(trailingSlashHint('iss', 'https://x.auth0.com/', ['https://x.auth0.com'])).toContain(
      'configure "https://x.auth0.com/"',
    );
    expect(trailingSlashHint('aud', ['other', 'https://api.test/'], ['https://api.test'])).toContain('trailing slash');
    expect(trailingSlashHint('iss', 'https://x.auth0.com//', ['https://x.auth0.com'])).toBeUndefined();
    expect(trailingSlashHint('iss', 'https://y.auth0.com/', ['https://x.auth0.com'])).toBeUndefined();
    expect(trailingSlashHint('iss', 7, ['7/'])).toBeUndefined();
  });

  it('builds frozen details', () => {
    const detail = notAccepted('iss', 'https://a/', ['https://a']);
    expect(Object.isFrozen(detail)).toBe(true);
    expect(detail).toMatchObject({
      claim: 'iss',
      problem: 'not_accepted',
      found: 'https://a/',
      expected: ['https://a'],
    });
    expect(missing('jti')).toEqual({ claim: 'jti', problem: 'missing' });
  });
});
