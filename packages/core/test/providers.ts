/**
 * Test support for identity-provider presets: a signing key whose JWKS is served by a real
 * HTTP server on 127.0.0.1, and tokens signed with exactly the header and payload given (no
 * defaults), so that each test shows the provider's token shape in full.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWTPayload, SignJWT } from 'jose';
import {
  type ActionSet,
  createGate,
  type DecisionEvent,
  type Gate,
  type IssuerOptions,
  type RequestFacts,
} from '../src/index.js';

export const RESOURCE = 'https://api.example.com';

export interface LocalProvider {
  /** Where the JWKS is served: http://127.0.0.1:port/jwks. */
  readonly jwksUri: string;
  /** Signs exactly this header (plus `alg` and `kid`) and payload. */
  sign(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string>;
  close(): Promise<void>;
}

export async function startProvider(kid = 'provider-key'): Promise<LocalProvider> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const body = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid, alg: 'RS256', use: 'sig' }] });
  const server: Server = createServer((req, res) => {
    if (req.url !== '/jwks') {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    jwksUri: `http://127.0.0.1:${port}/jwks`,
    sign(header, payload) {
      return new SignJWT(payload as JWTPayload).setProtectedHeader({ ...header, alg: 'RS256', kid }).sign(privateKey);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}

/** A preset's options with its keys served locally instead of by the provider. */
export function served(options: IssuerOptions, provider: LocalProvider): IssuerOptions {
  return { ...options, jwksUri: provider.jwksUri };
}

export interface RecordingGate<N extends string> {
  readonly gate: Gate<N>;
  readonly events: DecisionEvent[];
}

export function gateFor<N extends string>(actions: ActionSet<N>, issuers: IssuerOptions[]): RecordingGate<N> {
  const events: DecisionEvent[] = [];
  const gate = createGate({
    actions,
    resource: RESOURCE,
    issuers,
    tokenCache: false,
    onDecision: (event) => {
      events.push(event);
    },
  });
  return { gate, events };
}

export function bearer(token: string): RequestFacts {
  return { method: 'POST', path: '/invoices', authorization: `Bearer ${token}` };
}

export const now = (): number => Math.floor(Date.now() / 1000);

/** A copy of `payload` without `claim`. */
export function without(payload: Record<string, unknown>, ...claims: string[]): Record<string, unknown> {
  const copy = { ...payload };
  for (const claim of claims) delete copy[claim];
  return copy;
}

/** The `ConfigurationError` a preset throws, or a failure if it throws none. */
export function configurationError(make: () => unknown): { option: string; message: string } {
  try {
    make();
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ERR_CONFIGURATION') return error as { option: string; message: string };
    throw error;
  }
  throw new Error('no ConfigurationError');
}
