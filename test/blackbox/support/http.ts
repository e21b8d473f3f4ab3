/**
 * A raw HTTP client on node:http, so that tests control every header byte (repeated
 * `Authorization` fields, tabs, non-ASCII) where fetch would normalise them.
 */
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';

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

/** Bytes node:http refuses to send (non-ASCII, controls) go over a raw socket instead. */
const PRINTABLE = /^[\x20-\x7e\t]*$/;

function sendRaw(url: URL, options: RequestOptions): Promise<Reply> {
  const lines = [
    `${options.method ?? 'GET'} ${url.pathname}${url.search} HTTP/1.1`,
    `host: ${url.host}`,
    'connection: close',
  ];
  for (const [name, value] of options.headers ?? []) lines.push(`${name}: ${value}`);
  if (options.body !== undefined) lines.push(`content-length: ${Buffer.byteLength(options.body)}`);
  const request = Buffer.from(`${lines.join('\r\n')}\r\n\r\n${options.body ?? ''}`, 'utf8');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const [head = '', text = ''] = raw.split('\r\n\r\n', 2);
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).toLowerCase()] = line.slice(colon + 1).trim();
      }
      let json: Record<string, unknown> | undefined;
      try {
        json = text === '' ? undefined : JSON.parse(text);
      } catch {
        json = undefined;
      }
      resolve({
        status: Number(statusLine.split(' ')[1]),
        headers,
        text,
        json,
        challenge: headers['www-authenticate'],
      });
    });
  });
}

export function send(base: string, path: string, options: RequestOptions = {}): Promise<Reply> {
  const url = new URL(path, base);
  if ((options.headers ?? []).some(([, value]) => !PRINTABLE.test(value))) return sendRaw(url, options);
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
