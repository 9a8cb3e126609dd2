// Where everything lives. All state (jars, configs, data, pid files, logs) is under services/.data/,
// which is git-ignored, so `rm -rf services/.data` is a full reset (after `down`).
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const SERVICES_DIR = dirname(dirname(fileURLToPath(import.meta.url)));
export const DATA_DIR = join(SERVICES_DIR, '.data');
export const LIB_DIR = join(DATA_DIR, 'lib');
export const RUN_DIR = join(DATA_DIR, 'run');
export const LOG_DIR = join(DATA_DIR, 'log');

/** The working directory of one server (configs and data), created on demand. */
export function serverDir(name) {
  const dir = join(DATA_DIR, 'servers', name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export const pidFile = (name) => join(RUN_DIR, `${name}.pid`);
export const logFile = (name) => join(LOG_DIR, `${name}.log`);
