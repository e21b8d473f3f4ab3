/**
 * The MCP example's environment (shared/mcp-invoices.md, "Start"): the invoice examples'
 * variables, with `AUDIENCE` defaulting to the MCP endpoint's URL, plus `STEP_UP_MAX_AGE`.
 * A mistake stops the process before it listens, with a message naming the variable.
 */
import { type ExampleConfig, ExampleConfigError, readConfig } from '@actiongate-examples/invoices-kit';

export { ExampleConfigError } from '@actiongate-examples/invoices-kit';

export interface McpExampleConfig extends ExampleConfig {
  /** Seconds `auth_time` may be old for `refund_invoice`. */
  readonly stepUpMaxAge: number;
}

type Env = Readonly<Record<string, string | undefined>>;

/** The endpoint's path: the canonical server URI (MCP authorization, RFC 8707) ends with it by default. */
export const MCP_PATH = '/mcp';

const DEFAULT_STEP_UP_MAX_AGE = 600;

export function readMcpConfig(env: Env): McpExampleConfig {
  const base = readConfig(env);
  const text = env.STEP_UP_MAX_AGE === undefined || env.STEP_UP_MAX_AGE === '' ? undefined : env.STEP_UP_MAX_AGE;
  const stepUpMaxAge = text === undefined ? DEFAULT_STEP_UP_MAX_AGE : Number(text);
  if (text !== undefined && (!/^\d{1,9}$/.test(text) || stepUpMaxAge < 1)) {
    throw new ExampleConfigError(
      'STEP_UP_MAX_AGE',
      `must be a whole number of seconds, 1 or more (got ${JSON.stringify(text)})`,
    );
  }
  return {
    ...base,
    audience: base.audience === undefined ? undefined : canonicalAudience(base.audience),
    stepUpMaxAge,
  };
}

/**
 * RFC 3986 §6.2.2.1: the scheme and host are case-insensitive, so `HTTPS://Example.COM/mcp` names
 * the same resource as `https://example.com/mcp`; the rest is kept exactly as given (a token's
 * `aud` must then equal this form).
 */
export function canonicalAudience(audience: string): string {
  return audience.replace(/^([A-Za-z][A-Za-z0-9+.-]*:\/\/)([^/?#]*)/, (_, scheme: string, authority: string) => {
    const at = authority.lastIndexOf('@');
    return scheme.toLowerCase() + authority.slice(0, at + 1) + authority.slice(at + 1).toLowerCase();
  });
}

/** The default `AUDIENCE`: the endpoint's URL on the origin the server listens on. */
export function defaultAudience(origin: string): string {
  return `${origin}${MCP_PATH}`;
}
