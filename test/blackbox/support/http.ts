/**
 * A raw HTTP client on node:http, so that tests control every header byte (repeated
 * `Authorization` fields, tabs, non-ASCII) where fetch would normalise them.
 */
import { request as httpRequest } from 'node:http';

export interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  /** The parsed JSON body, or `undefined`. */
  readonly json: Record<string, unknown> | undefined;
  /** `WWW-Authenticate`, or `undefined`. */
  readonly challenge: string | undefined;
}

export interface RequestOptions {
  readonly method?: string;
  /** Header pairs, sent as given; repeat a name to send it twice. */
  readonly headers?: [string, string][];
  readonly body?: string;
  readonly timeoutMs?: number;
}

export function send(base: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const url = new URL(path, base);
  // Headers as a flat array reach the wire as given; Node then adds no Host of its own.
  const headers = ['host', url.host, ...(options.headers ?? []).flat()];
  if (options.body !== undefined) headers.push('content-length', String(Buffer.byteLength(options.body)));
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: url.hostname, port: url.port, path: url.pathname + url.search, method: options.method ?? 'GET', headers },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => {
          let json: Record<string, unknown> | undefined;
          try {
            json = text === '' ? undefined : JSON.parse(text);
          } catch {
            json = undefined;
          }
          const challenge = res.headers['www-authenticate'];
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, challenge });
        });
      },
    );
    req.setTimeout(options.timeoutMs ?? 10_000, () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end(options.body);
  });
}

export const bearer = (token: string): [string, string][] => [['authorization', `Bearer ${token}`]];
