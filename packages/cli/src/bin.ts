#!/usr/bin/env node
/**
 * The `sessionkit` executable: runs {@link main} and exits with its code once stdout and stderr are flushed
 * (exiting explicitly, so a backend client that keeps a timer or socket open cannot hold the process).
 *
 * @module
 */
import { main } from './main.js';

const flush = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

let code: number;
try {
  code = await main(process.argv);
} catch (error) {
  process.stderr.write(`sessionkit: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
  code = 1;
}
await Promise.all([flush(process.stdout), flush(process.stderr)]);
process.exit(code);
