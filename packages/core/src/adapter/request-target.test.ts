import { describe, expect, it } from 'vitest';
import { targetsPath } from './request-target.js';

describe('targetsPath', () => {
  it.each([
    ['/p', '/p', true],
    ['/p?x=1', '/p', true],
    ['/p?', '/p', true],
    ['/p/', '/p', false],
    ['/px', '/p', false],
    ['/p#f', '/p', false],
    ['/', '/p', false],
    ['', '/p', false],
    ['*', '/p', false],
    ['http://h/p?x', '/p', true],
    ['http://h/q', '/p', false],
    ['http://[bad', '/p', false],
  ])('%j names %j: %s', (target, path, expected) => {
    expect(targetsPath(target, path)).toBe(expected);
  });
});
