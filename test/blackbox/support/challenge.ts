/**
 * The exact challenges the contract prescribes (shared/invoice-api.md, "Challenge syntax"),
 * with the library's fixed descriptions.
 */
import { REFUSALS, type RefusalCode } from '@actiongate/core';

export interface Expected {
  readonly error?: string;
  readonly scope?: string;
  readonly acrValues?: string;
  readonly maxAge?: string;
  readonly description?: string;
}

export function metadataUrl(base: string): string {
  return `${base}/.well-known/oauth-protected-resource`;
}

/** `Bearer realm="invoices", error=…, scope=…, acr_values=…, max_age=…, resource_metadata=…, error_description=…` */
export function challenge(base: string, expected: Expected = {}): string {
  const params = ['realm="invoices"'];
  if (expected.error !== undefined) params.push(`error="${expected.error}"`);
  if (expected.scope !== undefined) params.push(`scope="${expected.scope}"`);
  if (expected.acrValues !== undefined) params.push(`acr_values="${expected.acrValues}"`);
  if (expected.maxAge !== undefined) params.push(`max_age="${expected.maxAge}"`);
  params.push(`resource_metadata="${metadataUrl(base)}"`);
  if (expected.description !== undefined) params.push(`error_description="${expected.description}"`);
  return `Bearer ${params.join(', ')}`;
}

/** The challenge for one of the library's fixed refusals. */
export function challengeFor(base: string, code: RefusalCode, scope?: string): string {
  const { error, description } = REFUSALS[code];
  if (error === undefined) return challenge(base);
  return challenge(base, { error, description, ...(scope === undefined ? {} : { scope }) });
}
