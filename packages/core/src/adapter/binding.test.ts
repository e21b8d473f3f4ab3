import { describe, expect, it } from 'vitest';
import { defineActions } from '../actions/index.js';
import { ConfigurationError } from '../errors.js';
import { createGate } from '../gate/index.js';
import { assertAdapterArguments } from './binding.js';

const gate = createGate({
  actions: defineActions({ read: { scopes: ['invoices:read'] } }),
  resource: 'https://api.example',
  issuers: [{ issuer: 'https://as.example', jwksUri: 'https://as.example/jwks' }],
});

describe('assertAdapterArguments', () => {
  it('accepts a gate from createGate and an options object', () => {
    expect(() => assertAdapterArguments(gate, {})).not.toThrow();
  });

  it.each<[string, unknown]>([
    ['nothing', undefined],
    ['null', null],
    ['a string', 'gate'],
    ['an object without decide', { prepare: () => undefined, decideNow: () => undefined }],
    ['a gate of an older core, without decideNow', { decide: async () => undefined, prepare: () => undefined }],
  ])('refuses %s as the gate, naming the option and the fix', (_, candidate) => {
    expect(() => assertAdapterArguments(candidate, {})).toThrow(ConfigurationError);
    expect(() => assertAdapterArguments(candidate, {})).toThrow(/gate.*createGate/);
  });

  it.each([null, 'respond', 3])('refuses %s as the options', (options) => {
    expect(() => assertAdapterArguments(gate, options)).toThrow(/options.*must be an object/);
  });
});
