import { describe, expect, it } from 'vitest';
import { Backoff } from './backoff.js';
import { insecureUrlProblem, isLoopbackHost } from './urls.js';

function waits(random: () => number, failures: number): number[] {
  const backoff = new Backoff({ initial: 1000, max: 60_000 }, random);
  const result: number[] = [];
  let now = 0;
  for (let i = 0; i < failures; i++) {
    backoff.failed(now);
    result.push(backoff.retryAt - now);
    now = backoff.retryAt;
  }
  return result;
}

describe('backoff', () => {
  it('doubles from 1 s to the 60 s cap; the jitter moves each wait within [d/2, d]', () => {
    expect(waits(() => 0, 9)).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
    expect(waits(() => 0.999_999, 9)).toEqual([1000, 2000, 4000, 8000, 16_000, 32_000, 60_000, 60_000, 60_000]);
  });

  it('forgets failures after a success, and Retry-After rounds the wait left up to whole seconds', () => {
    const backoff = new Backoff({ initial: 1000, max: 60_000 }, () => 0.5);
    for (let i = 0; i < 5; i++) backoff.failed(0);
    expect(backoff.secondsLeft(0)).toBe(12); // 16 s step: 8 s + 4 s
    expect(backoff.secondsLeft(11_001)).toBe(1);
    expect(backoff.secondsLeft(20_000)).toBe(1);
    backoff.succeeded();
    expect(backoff.retryAt).toBe(0);
    backoff.failed(100);
    expect(backoff.retryAt).toBe(100 + 750);
  });

  it('never overflows after very many failures', () => {
    const all = waits(Math.random, 2000);
    expect(Math.max(...all)).toBeLessThanOrEqual(60_000);
    expect(Math.min(...all.slice(10))).toBeGreaterThanOrEqual(30_000);
  });
});

describe('http only for loopback', () => {
  it.each(['localhost', '127.0.0.1', '127.255.0.9', '[::1]'])('%s is loopback', (host) => {
    expect(isLoopbackHost(new URL(`http://${host}/`).hostname)).toBe(true);
  });

  it.each([
    'example.com',
    'evil.localhost',
    'localhost.evil.com',
    'localhost.',
    '128.0.0.1',
    '10.0.0.1',
    '[::2]',
    '127.0.0.1.nip.io',
    '[::ffff:127.0.0.1]',
    '0.0.0.0',
    '[::]',
  ])('%s is not', (host) => {
    expect(isLoopbackHost(new URL(`http://${host}/`).hostname)).toBe(false);
    expect(insecureUrlProblem(new URL(`http://${host}/`), false)).toMatch(/allowInsecureHttp/);
    expect(insecureUrlProblem(new URL(`http://${host}/`), true)).toBeUndefined();
  });

  it('normalised spellings of loopback count, https always passes, other schemes never', () => {
    expect(isLoopbackHost(new URL('http://127.1/').hostname)).toBe(true);
    expect(isLoopbackHost(new URL('http://[0:0::1]/').hostname)).toBe(true);
    expect(insecureUrlProblem(new URL('https://example.com/'), false)).toBeUndefined();
    expect(insecureUrlProblem(new URL('file:///etc/passwd'), true)).toMatch(/https URL/);
  });
});
