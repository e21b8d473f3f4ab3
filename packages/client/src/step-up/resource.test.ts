import { describe, expect, it } from 'vitest';
import { allowedResourceFor, parseAllowedResources, resourceCovers, resourceIdentifier } from './resource.js';

const covers = (resource: string, url: string) => resourceCovers(new URL(resource), new URL(url));

describe('resourceCovers', () => {
  it.each([
    ['https://api.example.com', 'https://api.example.com/invoices', true],
    ['https://api.example.com/', 'https://api.example.com', true],
    ['https://API.example.com:443', 'https://api.example.com/x', true],
    ['https://api.example.com/mcp', 'https://api.example.com/mcp', true],
    ['https://api.example.com/mcp', 'https://api.example.com/mcp/tools?x=1', true],
    ['https://api.example.com/mcp/', 'https://api.example.com/mcp', true],
    ['https://api.example.com/mcp', 'https://api.example.com/mcpx', false],
    ['https://api.example.com/mcp', 'https://api.example.com/', false],
    ['https://api.example.com', 'http://api.example.com/', false],
    ['https://api.example.com', 'https://api.example.com:8443/', false],
    ['https://api.example.com', 'https://evil.api.example.com/', false],
    ['https://api.example.com', 'https://api.example.com.evil.test/', false],
    ['https://api.example.com/a', 'https://api.example.com/a/../b', false], // URL resolves the dot segments first
    ['https://api.example.com/a', 'https://api.example.com/a/%2e%2e/b', false], // and their encoded forms
    // An encoded slash or backslash is a separator to proxies that decode before routing (nginx):
    // `/a/..%2Fb` reaches `/b` there, so a path-scoped resource does not cover it.
    ['https://api.example.com/a', 'https://api.example.com/a/..%2Fb/x', false],
    ['https://api.example.com/a', 'https://api.example.com/a/..%2fb', false],
    ['https://api.example.com/a', 'https://api.example.com/a/..%5Cb', false],
    ['https://api.example.com/a', 'https://api.example.com/a/%2e%2e%2Fb', false],
    ['https://api.example.com/a', 'https://api.example.com/a/x%20y', true],
    ['https://api.example.com', 'https://api.example.com/a/..%2Fb', true], // an origin covers every path anyway
  ])('%s covers %s: %s', (resource, url, expected) => {
    expect(covers(resource, url)).toBe(expected);
  });
});

describe('allowedResourceFor', () => {
  it('picks the most specific allowed resource', () => {
    const allowed = parseAllowedResources(['https://api.example.com', 'https://api.example.com/mcp']);
    expect(allowedResourceFor(allowed, new URL('https://api.example.com/mcp/x'))?.href).toBe(
      'https://api.example.com/mcp',
    );
    expect(allowedResourceFor(allowed, new URL('https://api.example.com/x'))?.href).toBe('https://api.example.com/');
    expect(allowedResourceFor(allowed, new URL('https://other.example.com/x'))).toBeUndefined();
  });
});

it('writes identifiers as RFC 8707 resource values', () => {
  expect(resourceIdentifier(new URL('https://api.example.com/'))).toBe('https://api.example.com');
  expect(resourceIdentifier(new URL('https://api.example.com/mcp'))).toBe('https://api.example.com/mcp');
});

describe('parseAllowedResources: clear text only on this machine', () => {
  it.each(['http://127.0.0.1:8080', 'http://127.1.2.3', 'http://localhost:3000/mcp', 'http://[::1]:3000'])(
    'accepts the loopback %s over http',
    (entry) => {
      expect(parseAllowedResources([entry])).toHaveLength(1);
    },
  );

  it.each([
    'http://api.example.com',
    'http://localhost.evil.test',
    'http://127.0.0.1.nip.io',
    'http://[::ffff:127.0.0.1]',
    'http://0.0.0.0',
    'http://10.0.0.5/mcp',
  ])('refuses %s: a bearer token over http crosses a network in clear text (RFC 6750 §5.3)', (entry) => {
    expect(() => parseAllowedResources([entry])).toThrow(
      expect.objectContaining({ name: 'ConfigurationError', option: 'allowedResources[0]' }),
    );
  });

  it('accepts them when allowInsecureHttp says the path is trusted', () => {
    expect(parseAllowedResources(['http://api.internal'], true)).toHaveLength(1);
  });
});
