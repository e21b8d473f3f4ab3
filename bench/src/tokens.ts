/** One RS256 key, served by one local JWKS endpoint, and tokens signed with it. */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

export const ISSUER = 'https://issuer.bench';

export interface Issuer {
  readonly jwksUri: string;
  mint(audience: string): Promise<string>;
  mintMany(audience: string, count: number): Promise<string[]>;
  close(): void;
}

export async function startIssuer(): Promise<Issuer> {
  const { publicKey, privateKey } = await generateKeyPair('RS256');
  const jwks = JSON.stringify({ keys: [{ ...(await exportJWK(publicKey)), kid: 'bench', alg: 'RS256', use: 'sig' }] });
  const server = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const mint = (audience: string) => {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ scope: 'invoices:read', client_id: 'bench-client' })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: 'bench' })
      .setIssuer(ISSUER)
      .setAudience(audience)
      .setSubject('bench-user')
      .setIssuedAt(now)
      .setExpirationTime(now + 3600)
      .setJti(randomUUID())
      .sign(privateKey);
  };
  return {
    jwksUri: `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks`,
    mint,
    async mintMany(audience, count) {
      const tokens: string[] = [];
      while (tokens.length < count) {
        const batch = Math.min(500, count - tokens.length);
        tokens.push(...(await Promise.all(Array.from({ length: batch }, () => mint(audience)))));
      }
      return tokens;
    },
    close: () => server.close(),
  };
}
