/**
 * `pnpm demo:mcp`: the step-up story told with the real v2 MCP client. The MCP invoice server
 * and its embedded demo authorization server run in this process on 127.0.0.1 (port 0); Alice's
 * browser is driven over plain HTTP. Everything started here is closed before the process ends.
 */
import { type AuthorizationRecord, McpHost, type McpRequestRecord, type TokenRequestRecord } from './alice/index.js';
import { readMcpConfig } from './config.js';
import { runMcpInvoices } from './run.js';

const say = (line: string) => process.stdout.write(`${line}\n`);

function narrateRequest(record: McpRequestRecord | TokenRequestRecord): void {
  if ('grantType' in record) {
    say(`   client -> token endpoint: grant_type=${record.grantType} -> ${record.status}`);
    return;
  }
  if (record.httpMethod !== 'POST' || record.status < 400) return;
  const scope = /scope="([^"]*)"/.exec(record.challenge ?? '')?.[1];
  const error = /error="([^"]*)"/.exec(record.challenge ?? '')?.[1];
  say(
    `   server refused ${record.tool ?? record.method}: ${record.status}${error ? ` ${error}` : ''}, scope="${scope ?? ''}"`,
  );
}

function narrateAuthorization(record: AuthorizationRecord): void {
  const steps = record.forms.map((form) => (form === 'second-factor' ? 'her second factor' : form)).join(', ');
  say(`   Alice at the authorization server (asked for "${record.scopes.join(' ')}"): ${steps} -> ${record.decision}`);
}

function describeToken(host: McpHost): string {
  const token = host.token();
  if (token === undefined) return 'no token';
  const age = token.authTime === undefined ? '' : `, auth_time ${Math.floor(Date.now() / 1000) - token.authTime} s ago`;
  return `token scope="${token.scope}"${token.acr === undefined ? '' : `, acr=${token.acr}`}${age}`;
}

async function main(): Promise<void> {
  const started = Date.now();
  const server = await runMcpInvoices(readMcpConfig({ PORT: '0', HOST: '127.0.0.1' }));
  let host: McpHost | undefined;
  try {
    say(`MCP invoice server at ${server.endpoint}; demo authorization server at ${server.issuer}`);
    say('1. The agent connects with the real MCP client (@modelcontextprotocol/client), no token yet.');
    host = await McpHost.connect({
      generation: 'v2',
      endpoint: server.endpoint,
      onRequest: narrateRequest,
      onAuthorization: narrateAuthorization,
      // Alice approves the sign-in and both refunds, and denies the third refund (step 6).
      decide: ({ index }) => (index === 3 ? 'deny' : 'approve'),
    });
    say(`   connected with the baseline: ${describeToken(host)}`);

    say('2. It lists the tools and the invoices.');
    say(`   tools: ${(await host.listTools()).join(', ')}`);
    const invoices = JSON.parse((await host.callTool('list_invoices')).text) as { invoices: { id: string }[] };
    say(`   ${invoices.invoices.length} invoices`);

    for (const [step, id] of [
      ['3', 'inv_1001'],
      ['4', 'inv_1002'],
    ] as const) {
      say(`${step}. It calls refund_invoice ${id}${step === '4' ? ' with the same token' : ''}.`);
      const refund = await host.callTool('refund_invoice', { id });
      const result = JSON.parse(refund.text) as { id: string; status: string };
      say(`   retried once: ${result.id} ${result.status}; ${describeToken(host)}`);
    }

    say('5. The spent refund grant does not stop reads.');
    const read = JSON.parse((await host.callTool('get_invoice', { id: 'inv_1001' })).text) as { status: string };
    say(`   get_invoice inv_1001: ${read.status}`);

    say('6. It calls refund_invoice inv_1003; this time Alice denies.');
    const denied = await host.callTool('refund_invoice', { id: 'inv_1003' }).then(
      () => undefined,
      (error: unknown) => (error instanceof Error ? error.message : String(error)),
    );
    if (denied === undefined) throw new Error('the refund went through although Alice denied it');
    const open = JSON.parse((await host.callTool('get_invoice', { id: 'inv_1003' })).text) as { status: string };
    say(`   the call ended without a retry: ${denied}`);
    say(`   get_invoice inv_1003: ${open.status}`);
    say(
      `done: ${host.ledger.authorizations.length} authorizations, ${host.ledger.toolCalls().length} tool calls, in ${Date.now() - started} ms`,
    );
  } finally {
    await host?.close();
    await server.close();
  }
}

main().then(
  () => {
    process.exitCode = 0;
  },
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  },
);
