/**
 * pnpm bench:profile [KIND]: one benchmark server under load with --cpu-prof, then where its
 * CPU time went, by function and by file (self time).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from './load.js';
import { ISSUER, startIssuer } from './tokens.js';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
}

const kind = process.argv[2] ?? 'koa-actiongate';
const dir = mkdtempSync(join(tmpdir(), 'actiongate-prof-'));
const issuer = await startIssuer();
const token = await issuer.mint('https://invoices.bench');
const server = fileURLToPath(new URL('./server.ts', import.meta.url));
const child = spawn(process.execPath, ['--cpu-prof', '--cpu-prof-dir', dir, '--import', 'tsx', server], {
  env: { ...process.env, KIND: kind, ISSUER, JWKS_URI: issuer.jwksUri, AUDIENCE: 'https://invoices.bench' },
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
issuer.close();

const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile')) as string;
const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
};
const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
const byFunction = new Map<string, number>();
const byFile = new Map<string, number>();
let total = 0;
profile.samples.forEach((id, i) => {
  const { functionName, url: source } = (nodes.get(id) as ProfileNode).callFrame;
  const where =
    source.replace(/.*node_modules\/\.pnpm\/([^/]+).*/, '$1').replace(/.*\/(packages|bench)\//, '$1/') || '(native)';
  const delta = profile.timeDeltas[i] ?? 0;
  total += delta;
  byFunction.set(
    `${functionName || '(anonymous)'}  ${where}`,
    (byFunction.get(`${functionName || '(anonymous)'}  ${where}`) ?? 0) + delta,
  );
  byFile.set(where, (byFile.get(where) ?? 0) + delta);
});
const top = (map: Map<string, number>, n: number) =>
  [...map]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([key, value]) => `${((100 * value) / total).toFixed(1).padStart(5)}%  ${key}`);
process.stdout.write(
  `${kind}: ${Math.round(measured.requestsPerSecond)} req/s under the profiler\n\nself time by function:\n${top(byFunction, 15).join('\n')}\n\nself time by file:\n${top(byFile, 12).join('\n')}\n`,
);
