/**
 * The package version, read from package.json at run time (so it cannot drift from what was published).
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** This package's version, e.g. `0.1.0`. */
export const version: string = (
  JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
