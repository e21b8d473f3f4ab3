/**
 * Shared checks for the identity-provider presets: each preset validates what it is given at
 * start-up and throws a `ConfigurationError` that names the preset's option and the fix.
 */
import { ConfigurationError } from '../errors.js';

/** A host name such as `tenant.eu.auth0.com`: no scheme, path, port-less or with a port. */
const HOST = /^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*(:\d{1,5})?$/i;

export function hostName(option: string, value: unknown, example: string): string {
  if (typeof value !== 'string' || !HOST.test(value)) {
    const hint = typeof value === 'string' && /^https?:\/\//i.test(value) ? ' (without https:// or a path)' : '';
    throw new ConfigurationError(option, `must be a host name such as ${example}${hint}`);
  }
  return value.toLowerCase();
}

/** An absolute https URL (http only on loopback, for development), without a trailing slash. */
export function baseUrl(option: string, value: unknown, example: string): string {
  let url: URL;
  try {
    url = new URL(String(value));
  } catch {
    throw new ConfigurationError(option, `must be an absolute URL such as ${example}`);
  }
  const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new ConfigurationError(option, `must be an https URL such as ${example} (http only on loopback)`);
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '')
    throw new ConfigurationError(option, `must have no query, fragment or credentials, e.g. ${example}`);
  return url.href.replace(/\/+$/, '');
}

export function audienceList(option: string, value: unknown, example: string): readonly string[] {
  const list = typeof value === 'string' ? [value] : value;
  if (!Array.isArray(list) || list.length === 0 || list.some((item) => typeof item !== 'string' || item.length === 0))
    throw new ConfigurationError(option, `must be a non-empty string or array of strings, e.g. ${example}`);
  return Object.freeze([...list]);
}

export function oneOf<T extends string | number>(
  option: string,
  value: unknown,
  allowed: readonly T[],
  fallback: T,
): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T))
    throw new ConfigurationError(option, `must be one of: ${allowed.map((item) => JSON.stringify(item)).join(', ')}`);
  return value as T;
}

export function segment(option: string, value: unknown, example: string, pattern = /^[\w.~-]{1,255}$/): string {
  if (typeof value !== 'string' || !pattern.test(value))
    throw new ConfigurationError(option, `must be a value such as ${example}`);
  return value;
}

export function object(option: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null) throw new ConfigurationError(option, 'must be an object');
  return value as Record<string, unknown>;
}
