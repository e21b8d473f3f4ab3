// Checks what a package's tarball holds, in the package directory (its `check:package` script):
// - the packed and unpacked sizes stay within `sizeBudget` in its package.json (bytes, as `npm pack` counts them);
// - the LICENSE is in it, identical to the repository's;
// - sources ship once: src/ is in the tarball, so no source map embeds `sourcesContent`, and every source a map
//   names is a file of the tarball;
// - no test file ships.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';

const dir = process.cwd();
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
const [packed] = JSON.parse(
  execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], {
    cwd: dir,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  }),
);
const files = new Set(packed.files.map((file) => file.path));
const problems = [];

const budget = manifest.sizeBudget;
if (!Number.isInteger(budget?.packed) || !Number.isInteger(budget?.unpacked)) {
  problems.push('package.json needs "sizeBudget": { "packed": <bytes>, "unpacked": <bytes> }');
} else {
  if (packed.size > budget.packed) problems.push(`packed ${packed.size} B exceeds the budget of ${budget.packed} B`);
  if (packed.unpackedSize > budget.unpacked) {
    problems.push(`unpacked ${packed.unpackedSize} B exceeds the budget of ${budget.unpacked} B`);
  }
}

const license = readFileSync(join(dir, '..', '..', 'LICENSE'), 'utf8');
if (!files.has('LICENSE')) problems.push('LICENSE is not in the tarball');
else if (readFileSync(join(dir, 'LICENSE'), 'utf8') !== license)
  problems.push('LICENSE differs from the repository LICENSE');

for (const path of files) {
  if (/\.test\.[cm]?[jt]s$/.test(path)) problems.push(`a test file ships: ${path}`);
  if (!path.endsWith('.map')) continue;
  const map = JSON.parse(readFileSync(join(dir, path), 'utf8'));
  if (map.sourcesContent !== undefined) problems.push(`${path} embeds sourcesContent (src/ already ships)`);
  for (const source of map.sources ?? []) {
    const resolved = posix.normalize(posix.join(posix.dirname(path), source));
    if (!files.has(resolved)) problems.push(`${path} names ${source}, which is not in the tarball`);
  }
}

const kB = (bytes) => `${(bytes / 1000).toFixed(1)} kB`;
console.log(
  `package-contents: ${manifest.name}: ${packed.entryCount} files, ${kB(packed.size)} packed (budget ${kB(budget?.packed ?? 0)}), ` +
    `${kB(packed.unpackedSize)} unpacked (budget ${kB(budget?.unpacked ?? 0)})`,
);
for (const problem of problems) console.error(`package-contents: ${manifest.name}: ${problem}`);
process.exitCode = problems.length === 0 ? 0 : 1;
