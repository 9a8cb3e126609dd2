/**
 * Test helpers of the doctor suites: running the built binary (`node dist/bin.js doctor <url> --json`), reading
 * its report, and private, deliberately configured servers started on free ports (stopped by the caller).
 *
 * @module
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { closedPort } from '@sessionkit/test-servers';
import type { CheckResult, CheckStatus } from '../src/doctor/check.js';

const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** The `--json` report (src/commands/doctor.ts `DoctorReport`). */
export interface Report {
  store: string;
  status: CheckStatus;
  counts: Record<CheckStatus, number>;
  elapsedMs: number;
  checks: CheckResult[];
}

/** One run of the binary. */
export interface DoctorRun {
  exitCode: number;
  report: Report;
  stderr: string;
  /** Wall time of the whole process (Node start-up and module loading included), in ms. */
  wallMs: number;
}

/** Runs `sessionkit doctor <url> ...extra --json` and parses its report. */
export function runDoctor(url: string, ...extra: string[]): Promise<DoctorRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, 'doctor', url, ...extra, '--json'],
      { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const exitCode = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        try {
          resolve({ exitCode, report: JSON.parse(stdout) as Report, stderr, wallMs: performance.now() - started });
        } catch {
          reject(new Error(`doctor printed no JSON report (exit ${exitCode}): ${stdout}\n${stderr}`));
        }
      },
    );
  });
}

/** The results with this id (and target, if given). Throws if there is none: every check asked for must exist. */
export function results(report: Report, id: string, target?: string): CheckResult[] {
  const found = report.checks.filter((c) => c.id === id && (target === undefined || c.target === target));
  if (found.length === 0) {
    throw new Error(`no check ${id}${target ? ` [${target}]` : ''} in: ${report.checks.map((c) => c.id).join(', ')}`);
  }
  return found;
}

/** The status of the one result with this id (and target). */
export function statusOf(report: Report, id: string, target?: string): CheckStatus {
  const found = results(report, id, target);
  if (found.length > 1) throw new Error(`${found.length} results for ${id}; give a target`);
  return found[0]!.status;
}

/** Every non-pass result must carry a fix; every result a finding. */
export function expectWellFormed(report: Report): void {
  for (const c of report.checks) {
    if (c.finding.trim() === '') throw new Error(`${c.id}: empty finding`);
    if (c.status !== 'pass' && !c.fix) throw new Error(`${c.id}: ${c.status} without a fix`);
  }
}

/** Prints one `[figures]` line (collected by docs/cli.md's run-time table). */
export function figures(backend: string, run: DoctorRun): void {
  console.log(
    `[figures] doctor ${backend}: ${run.report.elapsedMs} ms in the command, ${Math.round(run.wallMs)} ms wall (process start included), ${run.report.checks.length} checks`,
  );
}

/** A server process this test started. */
export interface PrivateServer {
  host: string;
  port: number;
  /** Stops the process (SIGTERM, then SIGKILL after 5 s) and removes its directory. */
  stop(): Promise<void>;
}

/** Resolves once `host:port` accepts a TCP connection (polling every 50 ms), rejects after `timeoutMs`. */
export async function waitForPort(port: number, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const until = performance.now() + timeoutMs;
  while (performance.now() < until) {
    if (child && child.exitCode !== null) throw new Error(`process exited with ${child.exitCode} before listening`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`nothing listens on 127.0.0.1:${port} after ${timeoutMs} ms`);
}

/** Starts `command args` with its own temporary directory as cwd, waits until `port` accepts connections. */
async function startProcess(
  command: string,
  args: (dir: string) => string[],
  port: number,
  startTimeoutMs: number,
  ready?: RegExp,
): Promise<PrivateServer> {
  const dir = mkdtempSync(join(tmpdir(), 'sessionkit-doctor-'));
  const child = spawn(command, args(dir), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  let isReady = ready === undefined;
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
    if (ready?.test(output)) isReady = true;
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await waitForPort(port, startTimeoutMs, child);
    const until = performance.now() + startTimeoutMs;
    while (!isReady) {
      if (child.exitCode !== null || performance.now() > until) throw new Error(`never logged ${ready}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  } catch (error) {
    await stop();
    throw new Error(`${command} did not start: ${(error as Error).message}\n${output}`);
  }
  return { host: '127.0.0.1', port, stop };
}

/**
 * A private redis-server (the same binary the shared test servers run, from PATH) on a free port, with
 * `extra` settings after the defaults (no persistence, loopback only), e.g. `['--maxmemory-policy', 'allkeys-lru']`.
 */
export async function startRedis(extra: string[]): Promise<PrivateServer> {
  const port = await closedPort();
  return startProcess(
    'redis-server',
    () => ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...extra],
    port,
    10_000,
  );
}

/** A private memcached on a free port with `extra` flags (e.g. `['-m', '4']`). */
export async function startMemcached(extra: string[]): Promise<PrivateServer> {
  const port = await closedPort();
  return startProcess(
    'memcached',
    () => ['-l', '127.0.0.1', '-p', String(port), '-U', '0', '-u', userInfo().username, ...extra],
    port,
    10_000,
  );
}

/**
 * A private one-member Hazelcast cluster (the jar and Java 17 the shared members use, found by the services'
 * own code) on a free port, cluster name `clusterName`, with `mapsYaml` (the `map:` entries, indented by 4)
 * in its config.
 */
export async function startHazelcast(clusterName: string, mapsYaml: string): Promise<PrivateServer> {
  const port = await closedPort();
  // The services' installer knows where the jar is and which Java runs it; it is plain ESM outside any package.
  const servicesLib = new URL('../../../services/lib/', import.meta.url);
  const { javaBin } = (await import(new URL('install.mjs', servicesLib).href)) as { javaBin(): Promise<string> };
  const { LIB_DIR } = (await import(new URL('paths.mjs', servicesLib).href)) as { LIB_DIR: string };
  const java = await javaBin();
  const yaml = `hazelcast:
  cluster-name: ${clusterName}
  properties:
    hazelcast.phone.home.enabled: false
    hazelcast.socket.bind.any: false
    hazelcast.health.monitoring.level: OFF
    hazelcast.wait.seconds.before.join: 0
  network:
    port:
      port: ${port}
      auto-increment: false
    interfaces:
      enabled: true
      interfaces:
        - 127.0.0.1
    join:
      auto-detection:
        enabled: false
      multicast:
        enabled: false
      tcp-ip:
        enabled: true
        member-list:
          - 127.0.0.1:${port}
  map:
${mapsYaml}`;
  return startProcess(
    java,
    (dir) => {
      const config = join(dir, 'hazelcast.yaml');
      writeFileSync(config, yaml);
      return [
        '-Xms32m',
        '-Xmx192m',
        '-XX:+UseSerialGC',
        '-XX:TieredStopAtLevel=1',
        '--add-modules',
        'java.se',
        '--add-opens',
        'java.base/java.lang=ALL-UNNAMED',
        '--add-opens',
        'java.base/sun.nio.ch=ALL-UNNAMED',
        `-Dhazelcast.config=${config}`,
        '-cp',
        join(LIB_DIR, 'hazelcast', '*'),
        'com.hazelcast.core.server.HazelcastMemberStarter',
      ];
    },
    port,
    90_000,
    / is STARTED/,
  );
}

/** Wraps a block that must stop its servers whatever happens. */
export async function stopAll(servers: ReadonlyArray<PrivateServer | undefined>): Promise<void> {
  await Promise.all(servers.map((s) => s?.stop()));
}
