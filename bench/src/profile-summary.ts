/** Self time by function and by file from a .cpuprofile, for bench:profile. */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

/** The top `n` functions and files by self time in the one profile written to `dir`. */
export function summarise(dir: string, n = 20): string {
  const file = readdirSync(dir).find((name) => name.endsWith('.cpuprofile')) as string;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as {
    nodes: ProfileNode[];
    samples: number[];
    timeDeltas: number[];
  };
  const nodes = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const byFunction = new Map<string, number>();
  // Inclusive time of our own functions (packages/*): each sample counts once per function on its stack.
  const ours = new Map<string, number>();
  const byFile = new Map<string, number>();
  let total = 0;
  profile.samples.forEach((id, i) => {
    const { functionName, url: source, lineNumber } = (nodes.get(id) as ProfileNode).callFrame;
    const where =
      source
        .replace(/.*node_modules\/\.pnpm\/([^/]+)\/node_modules\/[^/]+(?:\/[^/]+)?\//, '$1:')
        .replace(/.*\/(packages|bench)\//, '$1/') || '(native)';
    const delta = profile.timeDeltas[i] ?? 0;
    total += delta;
    const key = `${functionName || '(anonymous)'}  ${where}${source ? `:${lineNumber + 1}` : ''}`;
    byFunction.set(key, (byFunction.get(key) ?? 0) + delta);
    byFile.set(where, (byFile.get(where) ?? 0) + delta);
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = (nodes.get(at) as ProfileNode).callFrame;
      if (!frame.url.includes('/packages/') || frame.url.includes('node_modules')) continue;
      const name = `${frame.functionName || '(anonymous)'}  ${frame.url.replace(/.*\/packages\//, 'packages/')}:${frame.lineNumber + 1}`;
      if (seen.has(name)) continue;
      seen.add(name);
      ours.set(name, (ours.get(name) ?? 0) + delta);
    }
  });
  const top = (map: Map<string, number>, count: number) =>
    [...map]
      .sort((a, b) => b[1] - a[1])
      .slice(0, count)
      .map(([key, value]) => `${((100 * value) / total).toFixed(1).padStart(5)}%  ${key}`);
  return `self time by function:\n${top(byFunction, n).join('\n')}\n\nself time by file:\n${top(byFile, n).join('\n')}\n\ninclusive time of actiongate's functions (packages/*):\n${top(ours, n).join('\n')}\n`;
}
