/**
 * WWW-Authenticate values as real servers send them, and hostile ones. Each case says what a
 * correct parser reads: the challenges in order, each as scheme, params and token68.
 */
export interface CorpusCase {
  readonly name: string;
  readonly fields: readonly string[];
  readonly expected: readonly { scheme: string; params?: Record<string, string>; token68?: string }[];
}

export const corpus: readonly CorpusCase[] = [
  {
    name: 'RFC 6750 §3 example',
    fields: ['Bearer realm="example"'],
    expected: [{ scheme: 'Bearer', params: { realm: 'example' } }],
  },
  {
    name: 'RFC 6750 §3 invalid_token example',
    fields: ['Bearer realm="example", error="invalid_token", error_description="The access token expired"'],
    expected: [
      {
        scheme: 'Bearer',
        params: { realm: 'example', error: 'invalid_token', error_description: 'The access token expired' },
      },
    ],
  },
  {
    name: 'RFC 9110 §11.6.1 example: two challenges, escapes, a token param',
    fields: ['Newauth realm="apps", type=1, title="Login to \\"apps\\"", Basic realm="simple"'],
    expected: [
      { scheme: 'Newauth', params: { realm: 'apps', type: '1', title: 'Login to "apps"' } },
      { scheme: 'Basic', params: { realm: 'simple' } },
    ],
  },
  {
    name: 'RFC 9470 §3 example',
    fields: [
      'Bearer error="insufficient_user_authentication", error_description="A different authentication level is required", acr_values="myACR"',
    ],
    expected: [
      {
        scheme: 'Bearer',
        params: {
          error: 'insufficient_user_authentication',
          error_description: 'A different authentication level is required',
          acr_values: 'myACR',
        },
      },
    ],
  },
  {
    name: 'RFC 9728 §5.1 example',
    fields: ['Bearer resource_metadata="https://resource.example.com/.well-known/oauth-protected-resource"'],
    expected: [
      {
        scheme: 'Bearer',
        params: { resource_metadata: 'https://resource.example.com/.well-known/oauth-protected-resource' },
      },
    ],
  },
  {
    name: 'express-oauth2-jwt-bearer style',
    fields: [
      'Bearer realm="api", error="insufficient_scope", error_description="Insufficient Scope", scope="read:msg write:msg"',
    ],
    expected: [
      {
        scheme: 'Bearer',
        params: {
          realm: 'api',
          error: 'insufficient_scope',
          error_description: 'Insufficient Scope',
          scope: 'read:msg write:msg',
        },
      },
    ],
  },
  {
    name: 'Spring Security style (no space after commas)',
    fields: [
      'Bearer error="invalid_token",error_description="Jwt expired at 2024-01-01T00:00:00Z",error_uri="https://tools.ietf.org/html/rfc6750#section-3.1"',
    ],
    expected: [
      {
        scheme: 'Bearer',
        params: {
          error: 'invalid_token',
          error_description: 'Jwt expired at 2024-01-01T00:00:00Z',
          error_uri: 'https://tools.ietf.org/html/rfc6750#section-3.1',
        },
      },
    ],
  },
  {
    name: 'MCP SDK style',
    fields: [
      'Bearer error="insufficient_scope", error_description="Insufficient scope", resource_metadata="https://mcp.example/.well-known/oauth-protected-resource/mcp", scope="files:read"',
    ],
    expected: [
      {
        scheme: 'Bearer',
        params: {
          error: 'insufficient_scope',
          error_description: 'Insufficient scope',
          resource_metadata: 'https://mcp.example/.well-known/oauth-protected-resource/mcp',
          scope: 'files:read',
        },
      },
    ],
  },
  {
    name: 'a comma inside quotes',
    fields: ['Bearer error_description="one, two", realm="a,b"'],
    expected: [{ scheme: 'Bearer', params: { error_description: 'one, two', realm: 'a,b' } }],
  },
  {
    name: 'case-insensitive scheme and parameter names',
    fields: ['bEaReR REALM="x", Error="invalid_token"'],
    expected: [{ scheme: 'bEaReR', params: { realm: 'x', error: 'invalid_token' } }],
  },
  {
    name: 'token68 and a scheme alone',
    fields: ['Basic YWxhZGRpbjpvcGVuc2VzYW1l, Negotiate abc==, NTLM'],
    expected: [
      { scheme: 'Basic', token68: 'YWxhZGRpbjpvcGVuc2VzYW1l' },
      { scheme: 'Negotiate', token68: 'abc==' },
      { scheme: 'NTLM' },
    ],
  },
  {
    name: 'challenges in several fields',
    fields: ['DPoP algs="ES256 PS256"', 'Bearer realm="api", scope="a b"'],
    expected: [
      { scheme: 'DPoP', params: { algs: 'ES256 PS256' } },
      { scheme: 'Bearer', params: { realm: 'api', scope: 'a b' } },
    ],
  },
  {
    name: 'empty list elements and whitespace around "="',
    fields: [' , Bearer realm = "x" ,, scope="a" , '],
    expected: [{ scheme: 'Bearer', params: { realm: 'x', scope: 'a' } }],
  },
  {
    name: 'a duplicate parameter: that challenge is refused',
    fields: ['Bearer scope="a", scope="admin", Basic realm="b"'],
    expected: [{ scheme: 'Basic', params: { realm: 'b' } }],
  },
  { name: 'an unterminated quoted-string', fields: ['Bearer realm="x'], expected: [] },
  {
    name: '"name=" alone is a token68 by the grammar',
    fields: ['Bearer realm='],
    expected: [{ scheme: 'Bearer', token68: 'realm=' }],
  },
  { name: 'a parameter without a value among others', fields: ['Bearer realm=, scope="a"'], expected: [] },
  { name: 'a lone quote', fields: ['"'], expected: [] },
  { name: 'empty', fields: [''], expected: [] },
  { name: 'a control character in quotes', fields: ['Bearer realm="a\u0000b"'], expected: [] },
  { name: 'a scheme glued to a quote', fields: ['Bearer"x"'], expected: [] },
  {
    name: 'a prototype-polluting parameter name',
    fields: ['Bearer __proto__="x", constructor="y"'],
    expected: [
      {
        scheme: 'Bearer',
        params: Object.fromEntries([
          ['__proto__', 'x'],
          ['constructor', 'y'],
        ]),
      },
    ],
  },
];
