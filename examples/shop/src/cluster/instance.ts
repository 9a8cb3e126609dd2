/**
 * Starts one shop instance as a child process (`node dist/main.js`) and waits until it answers `/healthz`.
 * The child is the Node process itself (no npm wrapper), so its pid is the instance's pid: killing it with
 * SIGKILL is a real crash of that instance.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { killOnExit, OutputTail } from './child.js';
import { waitForHttp } from './ports.js';

/** The built entry point (both src/cluster and dist/cluster sit two levels below the package). */
export const MAIN_JS = fileURLToPath(new URL('../../dist/main.js', import.meta.url));

/** Options of {@link startInstance}. */
export interface InstanceOptions {
  /** `INSTANCE_NAME`, shown on every page. */
  name: string;
  port: number;
  /** `SESSIONKIT_STORE`. Must be a shared store for a cluster. */
  store: string;
  /** `SESSION_SECRET`: the same for every instance of a cluster. */
  secret: string;
  /** The other instances its operator page shows (`OPERATOR_PEERS`). Default none. */
  peers?: ReadonlyArray<{ name: string; url: string }>;
  /** Echo the instance's output with a `[name]` prefix. Default `false`. */
  echo?: boolean;
  /** How long to wait for `/healthz`. Default 60 s. */
  readyTimeoutMs?: number;
}

/** A running shop instance. */
export interface ShopInstance {
  readonly name: string;
  readonly port: number;
  /** `http://127.0.0.1:port`. */
  readonly url: string;
  readonly process: ChildProcess;
  /** The pid of the instance's Node process. */
  readonly pid: number;
  /** Whether the process is still running. */
  readonly running: boolean;
  /** Recent output (for diagnostics). */
  output(): string;
  /** Sends a signal (e.g. `'SIGKILL'` to crash it) and resolves when the process has exited. */
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Spawns an instance and resolves once it is healthy; rejects with its output if it dies or times out. */
export async function startInstance(options: InstanceOptions): Promise<ShopInstance> {
  if (!existsSync(MAIN_JS))
    throw new Error(`${MAIN_JS} is missing: build the shop first (npm run build -w @sessionkit/example-shop)`);
  const child = spawn(process.execPath, [MAIN_JS], {
    env: {
      ...process.env,
      PORT: String(options.port),
      HOST: '127.0.0.1',
      INSTANCE_NAME: options.name,
      SESSIONKIT_STORE: options.store,
      SESSION_SECRET: options.secret,
      OPERATOR_PEERS: (options.peers ?? []).map((p) => `${p.name}=${p.url}`).join(','),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = new OutputTail(child, { prefix: options.name, echo: options.echo ?? false });
  killOnExit(child);
  const exited = once(child, 'exit').then(() => undefined);
  const url = `http://127.0.0.1:${options.port}`;
  const instance: ShopInstance = {
    name: options.name,
    port: options.port,
    url,
    process: child,
    pid: child.pid!,
    get running() {
      return child.exitCode === null && child.signalCode === null;
    },
    output: () => tail.text(),
    async kill(signal: NodeJS.Signals = 'SIGTERM') {
      if (instance.running) child.kill(signal);
      await exited;
    },
  };
  try {
    await waitForHttp(`${url}/healthz`, options.readyTimeoutMs ?? 60_000, () =>
      instance.running
        ? undefined
        : `instance ${options.name} exited (${child.exitCode ?? child.signalCode}):\n${tail.text()}`,
    );
  } catch (error) {
    await instance.kill('SIGKILL');
    throw error;
  }
  return instance;
}
