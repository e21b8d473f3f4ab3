// The Node.js matrix: on each supported Node (official binaries from the npm registry), the vitest suites and
// the tarball consumers (CommonJS, ES module and TypeScript CommonJS projects outside the workspace, installed
// from `pnpm pack` tarballs). Writes one summary per step to .reports/ for .ci/run to add up.
//
//   node scripts/matrix.mjs                    every Node in NODE_VERSIONS, suites and consumers
//   MATRIX_SUITES=full node scripts/matrix.mjs every suite on every Node (by default, the first Node runs them all)
//   NODE_MATRIX=22.12.0 node scripts/matrix.mjs --only=consumers
//   NODE_MATRIX=current ...                    the Node running this script, nothing downloaded
import { execFileSync, spawnSync } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeBinary } from './node-binary.mjs';

/** The oldest release of each supported line (engines: ^20.19.0 || >=22.12.0) and the newest 24 (Active LTS). */
export const NODE_VERSIONS = ['20.19.0', '22.12.0', '24.21.0'];

/**
 * Every suite runs on the first Node of the matrix (the oldest supported, the floor of `engines`). On the others,
 * the suites that exercise the packages themselves: their unit suites, the interop suite (real clients and
 * identity providers), coexistence, the framework-free server and the attack corpus; the examples' black-box and
 * end-to-end suites, which spawn many processes and wait on real clocks, would add about 8 minutes per Node on a
 * 2-core machine for behaviour those suites already prove. `MATRIX_SUITES=full` runs every suite on every Node.
 */
const PACKAGE_SUITES = ['packages', 'test/interop', 'test/coexistence', 'test/framework-free', 'test/attack'];
const fullEverywhere = process.env.MATRIX_SUITES === 'full';

const root = fileURLToPath(new URL('..', import.meta.url));
const reports = join(root, '.reports');
const fixture = join(root, 'scripts', 'consumers');
const only = process.argv.find((arg) => arg.startsWith('--only='))?.slice('--only='.length);
const versions = (process.env.NODE_MATRIX ?? NODE_VERSIONS.join(',')).split(',').map((v) => v.trim());

// Each run's reports describe that run only.
rmSync(reports, { recursive: true, force: true });
mkdirSync(reports, { recursive: true });
const summary = [];

function record(step, passed, failed, detail) {
  summary.push({ step, passed, failed });
  writeFileSync(join(reports, `${step}.json`), `${JSON.stringify({ step, passed, failed, detail }, null, 2)}\n`);
  console.log(`matrix: ${step}: ${passed} passed, ${failed} failed`);
}

function run(command, args, options = {}) {
  return spawnSync(command, args, { stdio: 'inherit', ...options });
}

const nodes = [];
for (const version of versions) {
  try {
    nodes.push(
      version === 'current'
        ? { version: process.versions.node, node: process.execPath }
        : { version, node: nodeBinary(version) },
    );
  } catch (error) {
    record(`node-${version}-install`, 0, 1, String(error));
  }
}

let consumer;
if (only !== 'suites') {
  try {
    consumer = prepareConsumer();
  } catch (error) {
    console.error(error);
    record('consumers-install', 0, 1, String(error));
  }
}

for (const { version, node } of nodes) {
  const env = { ...process.env, PATH: `${dirname(node)}${delimiter}${process.env.PATH}` };
  console.log(`\nmatrix: Node ${execFileSync(node, ['--version'], { encoding: 'utf8' }).trim()} (${node})`);
  if (consumer !== undefined) runConsumers(version, node, env);
  if (only !== 'consumers') runSuites(version, node, env);
}

if (consumer !== undefined && !process.env.KEEP_CONSUMER) rmSync(consumer, { recursive: true, force: true });
const passed = summary.reduce((sum, s) => sum + s.passed, 0);
const failed = summary.reduce((sum, s) => sum + s.failed, 0);
console.log(`\nmatrix: Node ${nodes.map((n) => n.version).join(', ')}: ${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 && summary.length > 0 ? 0 : 1;

/** Packs every package and installs the tarballs into a fresh project in a temporary directory. */
function prepareConsumer() {
  const dir = mkdtempSync(join(tmpdir(), 'actiongate-consumer-'));
  const tarballs = join(dir, 'tarballs');
  mkdirSync(tarballs);
  const manifest = JSON.parse(readFileSync(join(fixture, 'consumer-package.json'), 'utf8'));
  const workspace = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const core = JSON.parse(readFileSync(join(root, 'packages', 'core', 'package.json'), 'utf8'));
  for (const name of readdirSync(join(root, 'packages'))) {
    const packageDir = join(root, 'packages', name);
    if (!existsSync(join(packageDir, 'package.json'))) continue;
    const before = new Set(readdirSync(tarballs));
    execFileSync('pnpm', ['pack', '--pack-destination', tarballs], {
      cwd: packageDir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = readdirSync(tarballs).find((file) => !before.has(file));
    const { name: packageName } = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
    manifest.dependencies[packageName] = `file:./tarballs/${tarball}`;
    // The adapters depend on @actiongate/core by version: point them at the tarball, never the registry.
    manifest.overrides = { ...manifest.overrides, [packageName]: `$${packageName}` };
  }
  manifest.dependencies.jose = core.dependencies.jose;
  manifest.devDependencies.typescript = workspace.devDependencies.typescript;
  manifest.devDependencies['@types/node'] = workspace.devDependencies['@types/node'];
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  for (const file of [
    'exercise.cjs',
    'consumer.cjs',
    'consumer.mjs',
    'typed.ts',
    'typed-esm.mts',
    'tsconfig.json',
    'typed-fastify.ts',
    'typed-fastify-esm.mts',
    'tsconfig.fastify.json',
    'typed-hono.ts',
    'tsconfig.hono.json',
  ]) {
    copyFileSync(join(fixture, file), join(dir, file));
  }
  console.log(`matrix: installing the tarballs into ${dir}`);
  const install = run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error'], {
    cwd: dir,
  });
  if (install.status !== 0) throw new Error(`npm install in ${dir} exited with ${install.status}`);
  return dir;
}

function runConsumers(version, node, env) {
  let passed = 0;
  let failed = 0;
  const checks = [];
  for (const entry of ['consumer.cjs', 'consumer.mjs']) {
    const result = spawnSync(node, [entry], { cwd: consumer, env, encoding: 'utf8', timeout: 120_000 });
    process.stderr.write(result.stderr ?? '');
    const last = (result.stdout ?? '').trim().split('\n').at(-1) ?? '';
    let results;
    try {
      results = JSON.parse(last);
    } catch {
      results = [{ name: `${entry} ran to the end`, ok: false, error: `exit ${result.status}: ${result.stdout}` }];
    }
    if (result.status !== 0 && results.every((r) => r.ok))
      results.push({ name: `${entry} exit code`, ok: false, error: `exit ${result.status}` });
    for (const r of results) {
      checks.push(r);
      if (r.ok) passed++;
      else failed++;
      console.log(`  ${r.ok ? 'ok  ' : 'FAIL'} ${r.name}${r.ok ? '' : `\n${r.error}`}`);
    }
  }
  // The workspace's TypeScript, and the lowest one claimed (5.3: `resolution-mode` in the CommonJS declarations;
  // 5.4 for @actiongate/fastify, whose peer Fastify 5 declares types with `NoInfer`).
  for (const [typescript, project, what] of [
    ['typescript', 'tsconfig.json', 'CommonJS and ES module consumers'],
    ['typescript-lowest', 'tsconfig.json', 'CommonJS and ES module consumers'],
    ['typescript', 'tsconfig.fastify.json', 'CommonJS and ES module consumers of @actiongate/fastify'],
    ['typescript-fastify-lowest', 'tsconfig.fastify.json', 'CommonJS and ES module consumers of @actiongate/fastify'],
  ]) {
    const tsc = join('node_modules', typescript, 'bin', 'tsc');
    const result = spawnSync(node, [tsc, '-p', project], { cwd: consumer, env, encoding: 'utf8', timeout: 120_000 });
    const release = JSON.parse(
      readFileSync(join(consumer, 'node_modules', typescript, 'package.json'), 'utf8'),
    ).version;
    const name = `TypeScript ${release} (module node16, skipLibCheck false): ${what} type-check`;
    const typed = { name, ok: result.status === 0 };
    if (!typed.ok) typed.error = `${result.stdout}${result.stderr}`;
    checks.push(typed);
    if (typed.ok) passed++;
    else failed++;
    console.log(`  ${typed.ok ? 'ok  ' : 'FAIL'} ${typed.name}${typed.ok ? '' : `\n${typed.error}`}`);
  }
  // Hono's own declarations need the DOM library and TypeScript >= 5.7 (a generic Uint8Array): checked apart.
  {
    const tsc = join('node_modules', 'typescript', 'bin', 'tsc');
    const result = spawnSync(node, [tsc, '-p', 'tsconfig.hono.json'], {
      cwd: consumer,
      env,
      encoding: 'utf8',
      timeout: 120_000,
    });
    const typed = {
      name: '@actiongate/hono (lib dom, skipLibCheck false): CommonJS consumer type-checks',
      ok: result.status === 0,
    };
    if (!typed.ok) typed.error = `${result.stdout}${result.stderr}`;
    checks.push(typed);
    if (typed.ok) passed++;
    else failed++;
    console.log(`  ${typed.ok ? 'ok  ' : 'FAIL'} ${typed.name}${typed.ok ? '' : `\n${typed.error}`}`);
  }
  record(`consumers-node${version}`, passed, failed, checks);
}

function runSuites(version, node, env) {
  const full = fullEverywhere || version === versions[0];
  const step = full ? `vitest-node${version}` : `vitest-packages-node${version}`;
  const raw = join(reports, 'raw', `${step}.json`);
  rmSync(raw, { force: true });
  const vitest = join(root, 'node_modules', 'vitest', 'vitest.mjs');
  const filters = full ? [] : PACKAGE_SUITES;
  const args = [vitest, 'run', ...filters, '--reporter=default', '--reporter=json', `--outputFile.json=${raw}`];
  const result = run(node, args, { cwd: root, env });
  if (!existsSync(raw)) {
    record(step, 0, 1, `vitest exited with ${result.status} and wrote no report`);
    return;
  }
  const report = JSON.parse(readFileSync(raw, 'utf8'));
  // A file that failed to load reports no assertions but is a failure all the same.
  const brokenFiles = report.testResults.filter((f) => f.status === 'failed' && f.assertionResults.length === 0).length;
  const failed =
    report.numFailedTests + brokenFiles + (result.status !== 0 && report.numFailedTests + brokenFiles === 0 ? 1 : 0);
  record(step, report.numPassedTests, failed, {
    exitCode: result.status,
    files: report.numTotalTestSuites,
  });
}
