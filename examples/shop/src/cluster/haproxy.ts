/**
 * Runs Debian's HAProxy in front of the shop instances with one of the configs in `lb/`. The configs take
 * their addresses from the environment (`SHOP_LB_BIND`, `SHOP1_ADDR`..`SHOP3_ADDR`), so the demo and the
 * tests run exactly the files the docs show.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { requireBinary } from './binary.js';
import { killOnExit, OutputTail } from './child.js';
import { waitForHttp } from './ports.js';

/** The two tested load-balancer setups. */
export type LbMode = 'hash' | 'sticky';

/** The config file of each mode (examples/shop/lb/). */
export const LB_CONFIGS: Readonly<Record<LbMode, string>> = {
  hash: fileURLToPath(new URL('../../lb/haproxy-hash.cfg', import.meta.url)),
  sticky: fileURLToPath(new URL('../../lb/haproxy-sticky.cfg', import.meta.url)),
};

/** Where Debian's `haproxy` package installs the binary; `HAPROXY_BIN` overrides. */
export const DEFAULT_HAPROXY = '/usr/sbin/haproxy';

/** The HAProxy binary, or a clear error naming the Debian package to install. */
export function haproxyBinary(): string {
  return requireBinary({
    name: 'HAProxy',
    envVar: 'HAPROXY_BIN',
    defaultPath: DEFAULT_HAPROXY,
    debianPackage: 'haproxy',
  });
}

/** Options of {@link startHaproxy}. */
export interface HaproxyOptions {
  mode: LbMode;
  /** The port HAProxy listens on (127.0.0.1). */
  port: number;
  /** Exactly three `host:port` addresses of shop instances (shop1..shop3 in the config). */
  servers: [string, string, string];
  /** Echo HAProxy's output with an `[haproxy]` prefix. */
  echo?: boolean;
}

/** A running HAProxy. */
export interface RunningHaproxy {
  readonly url: string;
  readonly process: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** The environment the configs read their addresses from. */
export function haproxyEnv(port: number, servers: readonly string[]): Record<string, string> {
  return {
    SHOP_LB_BIND: `127.0.0.1:${port}`,
    SHOP1_ADDR: servers[0]!,
    SHOP2_ADDR: servers[1]!,
    SHOP3_ADDR: servers[2]!,
  };
}

/** Checks a config with `haproxy -c` (throws with HAProxy's message). */
export function checkHaproxyConfig(
  mode: LbMode,
  env: Record<string, string> = haproxyEnv(3100, ['127.0.0.1:3101', '127.0.0.1:3102', '127.0.0.1:3103']),
): void {
  const result = spawnSync(haproxyBinary(), ['-c', '-q', '-f', LB_CONFIGS[mode]], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  if (result.status !== 0) throw new Error(`haproxy -c ${LB_CONFIGS[mode]} failed:\n${result.stdout}${result.stderr}`);
}

/** Starts HAProxy in the foreground (`-db`) and waits until it answers `/healthz` through the backend. */
export async function startHaproxy(options: HaproxyOptions): Promise<RunningHaproxy> {
  const child = spawn(haproxyBinary(), ['-db', '-f', LB_CONFIGS[options.mode]], {
    env: { ...process.env, ...haproxyEnv(options.port, options.servers) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tail = new OutputTail(child, { prefix: 'haproxy', echo: options.echo ?? false });
  killOnExit(child);
  const exited = once(child, 'exit').then(() => undefined);
  const running = () => child.exitCode === null && child.signalCode === null;
  const url = `http://127.0.0.1:${options.port}`;
  const lb: RunningHaproxy = {
    url,
    process: child,
    output: () => tail.text(),
    async stop() {
      if (running()) child.kill('SIGTERM');
      await exited;
    },
  };
  try {
    await waitForHttp(`${url}/healthz`, 20_000, () =>
      running() ? undefined : `haproxy exited (${child.exitCode ?? child.signalCode}):\n${tail.text()}`,
    );
  } catch (error) {
    await lb.stop();
    throw error;
  }
  return lb;
}
