// Detached server processes: spawn with a pid file, liveness (stale pid files included), stop, RSS, log tail.
import { spawn } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { LOG_DIR, logFile, pidFile, RUN_DIR } from './paths.mjs';

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Starts `cmd args` in its own session (it survives this process and gets its own process group),
 * stdout and stderr to the server's log (truncated: the log always belongs to the current run).
 * The pid file records pid and executable so that a recycled pid is not mistaken for our server.
 */
export function spawnDetached(name, { cmd, args, cwd, env }) {
  mkdirSync(RUN_DIR, { recursive: true });
  mkdirSync(LOG_DIR, { recursive: true });
  const out = openSync(logFile(name), 'w');
  try {
    const child = spawn(cmd, args, {
      cwd,
      env: { ...process.env, ...env },
      detached: true,
      stdio: ['ignore', out, out],
    });
    if (child.pid === undefined) throw new Error(`${name}: could not spawn ${cmd}`);
    child.on('error', () => {}); // ENOENT etc. surface through the health check and the log
    child.unref();
    writeFileSync(pidFile(name), `${JSON.stringify({ pid: child.pid, cmd })}\n`);
    return child.pid;
  } finally {
    closeSync(out);
  }
}

/** The live pid of our server `name`, or undefined (a stale pid file is removed). */
export function livePid(name) {
  let rec;
  try {
    rec = JSON.parse(readFileSync(pidFile(name), 'utf8'));
  } catch {
    return undefined;
  }
  if (isOurProcess(rec.pid, rec.cmd)) return rec.pid;
  rmSync(pidFile(name), { force: true });
  return undefined;
}

function isOurProcess(pid, cmd) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) return false; // zombie: exited
    const argv0 = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0')[0] ?? '';
    return argv0 === cmd || argv0.endsWith(`/${cmd}`) || argv0.startsWith(`${cmd} `);
  } catch {
    return false;
  }
}

/** Resident set size of a pid in KiB, from /proc. */
export function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Sends `signal` to the server's process group and waits until the process is gone; SIGTERM escalates
 * to SIGKILL after `graceMs`. Returns false when the server was not running.
 */
export async function stopServer(name, { signal = 'SIGTERM', graceMs = 15_000 } = {}) {
  const pid = livePid(name);
  if (pid === undefined) return false;
  signalGroup(pid, signal);
  const deadline = Date.now() + graceMs;
  while (livePid(name) !== undefined) {
    if (Date.now() > deadline) signalGroup(pid, 'SIGKILL');
    await sleep(50);
  }
  rmSync(pidFile(name), { force: true });
  return true;
}

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* already gone */
    }
  }
}

/** The last `lines` lines of the server's log. */
export function tailLog(name, lines = 40) {
  try {
    return readFileSync(logFile(name), 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

const LOCK_FILE = () => `${RUN_DIR}/lock`;

/**
 * Runs `fn` while holding the services lock, so two concurrent `services.mjs` runs (say, two developers'
 * test runs) never start the same server twice. A lock left by a dead process is taken over.
 */
export async function withLock(fn) {
  mkdirSync(RUN_DIR, { recursive: true });
  let told = false;
  for (;;) {
    try {
      writeFileSync(LOCK_FILE(), String(process.pid), { flag: 'wx' });
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const holder = Number(readFileSync(LOCK_FILE(), 'utf8').trim() || 0);
    if (!holder || !pidAlive(holder)) {
      rmSync(LOCK_FILE(), { force: true });
      continue;
    }
    if (!told) process.stderr.write(`[services] waiting for another services.mjs (pid ${holder})\n`);
    told = true;
    await sleep(100);
  }
  try {
    return await fn();
  } finally {
    rmSync(LOCK_FILE(), { force: true });
  }
}

function pidAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}
