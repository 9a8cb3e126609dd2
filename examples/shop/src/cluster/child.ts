/**
 * Helpers for the child processes the cluster starts: keep their recent output (for error messages, optionally
 * echoed with a prefix) and never leave them running after this process exits.
 *
 * @module
 */
import type { ChildProcess } from 'node:child_process';

/** The last lines a child wrote to stdout and stderr. */
export class OutputTail {
  readonly #lines: string[] = [];
  readonly #max: number;

  /** Collects `child`'s output; with `echo`, also writes each line prefixed with `[prefix]`. */
  constructor(child: ChildProcess, options: { prefix: string; echo?: boolean; maxLines?: number }) {
    this.#max = options.maxLines ?? 40;
    for (const stream of [child.stdout, child.stderr]) {
      let partial = '';
      stream?.setEncoding('utf8');
      stream?.on('data', (chunk: string) => {
        const parts = (partial + chunk).split('\n');
        partial = parts.pop() ?? '';
        for (const line of parts) {
          this.#lines.push(line);
          if (this.#lines.length > this.#max) this.#lines.shift();
          if (options.echo) process.stdout.write(`[${options.prefix}] ${line}\n`);
        }
      });
    }
  }

  /** The collected lines, oldest first. */
  text(): string {
    return this.#lines.join('\n');
  }
}

/**
 * Kills `child` with SIGKILL if this process exits first (a crashed test run or an unhandled error must not
 * leave shop instances or HAProxy running). Returns a function that cancels it.
 */
export function killOnExit(child: ChildProcess): () => void {
  const kill = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  process.once('exit', kill);
  child.once('exit', () => process.off('exit', kill));
  return () => process.off('exit', kill);
}
