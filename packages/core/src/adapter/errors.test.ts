import { describe, expect, it } from 'vitest';
import { buildCommonRefusals } from '../challenge/refusal.js';
import { ActionGateError } from '../errors.js';
import { ActionRefusedError, MissingAuthError, RefusalHookError } from './errors.js';

const refusals = buildCommonRefusals({
  realm: 'r',
  resourceMetadata: undefined,
  includeScope: true,
  includeDescription: true,
  retryAfter: 5,
});

describe('adapter errors', () => {
  it('ActionRefusedError carries the refusal in the http-errors shape', () => {
    const error = new ActionRefusedError(refusals.token_missing);
    expect(error).toBeInstanceOf(ActionGateError);
    expect(error).toMatchObject({
      code: 'ERR_ACTION_REFUSED',
      status: 401,
      statusCode: 401,
      reason: 'token_missing',
      expose: true,
      headers: { 'www-authenticate': 'Bearer realm="r"' },
      body: { error_description: 'A bearer access token is required' },
      message: 'A bearer access token is required',
    });
  });

  it('a 5xx refusal is not exposed', () => {
    expect(new ActionRefusedError(refusals.keys_unavailable).expose).toBe(false);
  });

  it('RefusalHookError names what the hook threw', () => {
    expect(new RefusalHookError(undefined).message).toBe('actiongate: the onRefusal hook threw undefined');
    expect(new RefusalHookError('route')).toMatchObject({ code: 'ERR_REFUSAL_HOOK', cause: 'route' });
    expect(new RefusalHookError('route').message).toBe('actiongate: the onRefusal hook threw "route"');
  });

  it('MissingAuthError tells the fix', () => {
    expect(new MissingAuthError()).toMatchObject({ code: 'ERR_AUTH_MISSING', name: 'MissingAuthError' });
    expect(new MissingAuthError().message).toContain('put requireAction(...) before the handler');
  });
});
