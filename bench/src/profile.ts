/**
 * pnpm bench:profile [KIND] [--inprocess FRAMEWORK-VARIANT] [--count N]: where the CPU time goes.
 *
 * Loopback (default): one benchmark server (server.ts KIND) under load with --cpu-prof.
 * In process (`--inprocess express-actiongate`): requests injected into the app's handler,
 * no sockets, so the profile holds only the framework, light-my-request and the guard.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { load } from './load.js';
import { summarise } from './profile-summary.js';
import { loadAverage } from './report.js';
import { ISSUER, startIssuer } from './tokens.js';

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: { inprocess: { type: 'string' }, count: { type: 'string', default: '100000' } },
});
const dir = mkdtempSync(join(tmpdir(), 'actiongate-prof-'));
const issuer = await startIssuer();
const token = await issuer.mint('https://invoices.bench');
const env = {
  ...process.env,
  ISSUER,
  JWKS_URI: issuer.jwksUri,
  AUDIENCE: 'https://invoices.bench',
  NODE_ENV: 'production',
};
// `tsx --conditions=@actiongate/source` profiles the packages' sources; pass it on to the child.
const conditions = process.execArgv.filter((flag) => flag.startsWith('--conditions') || flag.startsWith('-C'));
const flags = ['--cpu-prof', '--cpu-prof-interval', '200', '--cpu-prof-dir', dir, ...conditions, '--import', 'tsx'];
let heading: string;
if (args.inprocess !== undefined) {
  const [framework, ...variant] = args.inprocess.split('-');
  const child = spawn(
    process.execPath,
    [...conditions, '--import', 'tsx', fileURLToPath(new URL('./profile-inject.ts', import.meta.url))],
    {
      env: {
        ...env,
        FRAMEWORK: framework,
        VARIANT: variant.join('-'),
        COUNT: args.count,
        TOKEN: token,
        PROFILE_DIR: dir,
      },
      stdio: ['ignore', 'inherit', 'inherit'],
    },
  );
  const code = await new Promise((resolve) => child.once('exit', resolve));
  if (code !== 0) throw new Error(`the profiled child exited with ${code}`);
  heading = `${args.inprocess}: ${args.count} requests injected in process`;
} else {
  const kind = positionals[0] ?? 'koa-actiongate';
  const server = fileURLToPath(new URL('./server.ts', import.meta.url));
  const child = spawn(process.execPath, [...flags, server], {
    env: { ...env, KIND: kind },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve) =>
    child.stdout.on('data', (chunk) => {
      const match = /listening on (\S+)/.exec(String(chunk));
      if (match) resolve(match[1] as string);
    }),
  );
  await load(url, [token], { duration: 2, connections: 20 });
  const measured = await load(url, [token], { duration: 8, connections: 20 });
  child.kill('SIGTERM');
  await new Promise((resolve) => child.once('exit', resolve));
  heading = `${kind}: ${Math.round(measured.requestsPerSecond)} req/s under the profiler (over loopback)`;
}
issuer.close();
process.stdout.write(`${heading}; load average ${loadAverage()}\n\n${summarise(dir)}`);
