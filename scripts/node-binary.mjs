// Installs an official Node.js binary from the npm registry (the `node-<platform>-<arch>` packages the Node.js
// project publishes) into node_modules/.cache/node-matrix/<version>, and prints the path of its `node`.
// npm verifies the tarball against the registry's integrity hash; we then check the binary reports its version.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
export const cacheDir = join(root, 'node_modules', '.cache', 'node-matrix');

/** @param {string} version exact, e.g. '20.19.0' @returns {string} the absolute path of that version's `node` */
export function nodeBinary(version) {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`node-binary: '${version}' is not an exact version`);
  if (process.platform === 'win32') throw new Error('node-binary: the Node matrix runs on Linux and macOS only');
  const target = join(cacheDir, version);
  const binary = join(target, 'bin', 'node');
  if (existsSync(binary) && reportedVersion(binary) === `v${version}`) return binary;

  const scratch = mkdtempSync(join(tmpdir(), 'node-binary-'));
  try {
    const spec = `node-${process.platform}-${process.arch}@${version}`;
    execFileSync('npm', ['pack', spec, '--pack-destination', scratch, '--silent'], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const tarball = readdirSync(scratch).find((f) => f.endsWith('.tgz'));
    if (!tarball) throw new Error(`node-binary: npm pack ${spec} produced no tarball`);
    execFileSync('tar', ['-xzf', join(scratch, tarball), '-C', scratch, 'package/bin/node']);
    rmSync(target, { recursive: true, force: true });
    mkdirSync(join(target, 'bin'), { recursive: true });
    renameSync(join(scratch, 'package', 'bin', 'node'), binary);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
  const reported = reportedVersion(binary);
  if (reported !== `v${version}`) throw new Error(`node-binary: ${binary} reports ${reported}, expected v${version}`);
  return binary;
}

function reportedVersion(binary) {
  try {
    return execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const version of process.argv.slice(2)) console.log(nodeBinary(version));
}
