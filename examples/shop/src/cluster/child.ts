/**
 * Keeps the recent output of a child process (for error messages) and optionally echoes it with a prefix.
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
