// Makes dist/index.d.cts usable from a TypeScript CommonJS project under `module: node16` with
// `skipLibCheck: false`. tsup writes `import { JWTPayload } from 'jose'` into the CommonJS declarations; jose and
// oauth4webapi are ES modules only, so such a project fails with TS1479 although Node itself loads the CommonJS
// build (require(esm), Node ^20.19.0 || >=22.12.0). These imports only ever carry types, so each one becomes
// `import type … with { 'resolution-mode': 'import' }` (TypeScript >= 5.3), the types of the dependency itself,
// unchanged. Run in a package directory after tsup.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const file = join(process.cwd(), 'dist', 'index.d.cts');
const require = createRequire(join(process.cwd(), 'package.json'));

/** True when the dependency offers no CommonJS types: `type: module` and no `require` condition. */
function esmOnly(specifier) {
  const name = specifier.startsWith('@') ? specifier.split('/').slice(0, 2).join('/') : specifier.split('/')[0];
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8'));
  } catch {
    return false; // not resolvable from here (a peer such as express): left as it is
  }
  return manifest.type === 'module' && !JSON.stringify(manifest.exports ?? {}).includes('"require"');
}

const source = readFileSync(file, 'utf8');
let changed = 0;
const output = source.replace(
  /^(import|export) (type )?(\{[^}]*\}|\* as \w+) from '([^'.][^']*)';$/gm,
  (line, keyword, _type, bindings, specifier) => {
    if (!esmOnly(specifier)) return line;
    if (keyword === 'export')
      throw new Error(`${file}: cannot rewrite a re-export from ESM-only '${specifier}': ${line}`);
    changed++;
    return `import type ${bindings} from '${specifier}' with { 'resolution-mode': 'import' };`;
  },
);
const leftover = output.match(/^import (?!type ).* from '(jose|oauth4webapi)';$/m);
if (leftover) throw new Error(`${file}: an import from ESM-only '${leftover[1]}' was not rewritten: ${leftover[0]}`);
writeFileSync(file, output);
console.log(
  `cjs-types: ${changed} import(s) of ES-module-only packages marked resolution-mode import in dist/index.d.cts`,
);
