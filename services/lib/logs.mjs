// Health checks that read a server's own log (Java servers report membership there, not on a cheap port).
import { readFileSync } from 'node:fs';
import { logFile } from './paths.mjs';

export function readLog(name) {
  try {
    return readFileSync(logFile(name), 'utf8');
  } catch {
    return '';
  }
}

/** The last match of `re` (global) in the server's log, or undefined. */
export function lastMatch(name, re) {
  let last;
  for (const m of readLog(name).matchAll(re)) last = m;
  return last;
}
