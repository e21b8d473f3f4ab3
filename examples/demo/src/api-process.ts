/** The Express invoice example as a child process, exactly as `pnpm start` runs it. */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface ApiProcess {
  readonly url: string;
  stop(): Promise<void>;
}

const server = fileURLToPath(new URL('../../express-invoices/src/server.ts', import.meta.url));

export function startApi(env: Record<string, string>): Promise<ApiProcess> {
  const child = spawn(process.execPath, ['--conditions=@actiongate/source', '--import', 'tsx', server], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  process.once('exit', () => child.kill('SIGKILL'));
  return new Promise((resolve, reject) => {
    let stderr = '';
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.stdout.on('data', (chunk: Buffer) => {
      const match = /listening on (\S+)/.exec(chunk.toString());
      if (match) resolve({ url: match[1] as string, stop });
    });
    child.once('exit', (code) => reject(new Error(`the invoice API exited (${code}): ${stderr}`)));
  });
}
