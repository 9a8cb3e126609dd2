/**
 * Runs a test app (a fixture under `fixtures/`) in its own Node process, so several processes really race on
 * the shared stores and "the process is replaced" means a new process. The fixture prints `listening <port>`
 * once it serves and exits on SIGTERM.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/** A running app process. */
export interface ChildApp {
  url: string;
  child: ChildProcess;
}

/** Starts `fixture` (a path relative to this directory) with `env`; rejects with its output if it exits first. */
export function startChildApp(fixture: string, env: Record<string, string>): Promise<ChildApp> {
  const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL(fixture, import.meta.url))], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening (\d+)/.exec(output)?.[1];
      if (port) resolve({ url: `http://127.0.0.1:${port}`, child });
    });
    child.once('exit', (code) => reject(new Error(`app process exited with ${code}:\n${output.slice(-3000)}`)));
  });
}

/** Stops an app process (SIGTERM, then SIGKILL after 10 s) and resolves once it exited. */
export async function stopChildApp({ child }: ChildApp): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
  await exited;
  clearTimeout(timer);
}
