/**
 * `sessionkit copy --from <url> --to <url>`: copies every live session from one store to another with the copy
 * engine (`src/copy/`), with a checkpoint file for `--resume`, `--rate` pacing, a progress display on stderr
 * and a final count. SIGINT/SIGTERM stop it cleanly (in-flight writes finish, the checkpoint is saved); a
 * second signal ends the process at once (the last checkpoint still holds).
 *
 * @module
 */
import type { SessionStore } from '@sessionkit/core';
import { describeStore, parseStoreUrl } from '@sessionkit/store-url';
import type { Command } from 'commander';
import { Option } from 'commander';
import { positiveInteger } from '../arguments.js';
import { checkpointExists, readCheckpoint, writeCheckpoint } from '../copy/checkpoint-file.js';
import { copySessions } from '../copy/copy-sessions.js';
import { SourceNotEnumerableError } from '../copy/errors.js';
import { type ProgressMode, progressDisplay } from '../copy/progress-display.js';
import { summaryJson, summaryLines } from '../copy/summary.js';
import { type CopyPosition, DEFAULT_CONCURRENCY, DEFAULT_PAGE_SIZE } from '../copy/types.js';
import { ExitCode } from '../exit-codes.js';
import { type Output, run, UsageError } from '../output.js';
import { withStore } from '../store.js';

/** The options `copy` parses. */
interface CopyCommandOptions {
  from: string;
  to: string;
  concurrency: number;
  pageSize: number;
  rate?: number;
  checkpoint?: string;
  resume?: boolean;
  expect?: number;
  progress: 'auto' | 'bar' | 'lines' | 'none';
}

/** Registers `copy` on the program. */
export function register(program: Command): void {
  program
    .command('copy')
    .description(
      'Copy every live session (data, version, expiry, owner) from one store to another with create: nothing on ' +
        'the target is overwritten, the remaining TTL is kept, the target fills its own per-user index. The source ' +
        'must support scan (memcached cannot be enumerated). Resumable with --checkpoint/--resume.',
    )
    .requiredOption('--from <url>', 'source store URL (must support scan)')
    .requiredOption('--to <url>', 'target store URL')
    .option('--concurrency <n>', 'target writes in flight at most', positiveInteger, DEFAULT_CONCURRENCY)
    .option('--page-size <n>', 'records per scan call, 1-1000', positiveInteger, DEFAULT_PAGE_SIZE)
    .option('--rate <sessions/s>', 'at most this many target writes per second', positiveInteger)
    .option('--checkpoint <path>', 'save the position after each page (atomically) to this file')
    .option('--resume', 'continue from --checkpoint (starts from the beginning if the file does not exist yet)')
    .option('--expect <n>', 'expected number of sessions, for the progress percentage and ETA', positiveInteger)
    .addOption(
      new Option('--progress <mode>', 'progress on stderr: bar (TTY), lines, none; auto = bar on a TTY, else lines')
        .choices(['auto', 'bar', 'lines', 'none'])
        .default('auto'),
    )
    .addHelpText(
      'after',
      '\nExit codes: 0 every session copied or skipped; 1 some failed, or the copy was interrupted (resume it);\n' +
        '2 usage error (e.g. a source that cannot be enumerated); 3 a store unreachable (resumable with --resume).',
    )
    .action(async (options: CopyCommandOptions, command: Command) => {
      await run(command, (out) => copyCommand(options, out));
    });
}

async function copyCommand(options: CopyCommandOptions, out: Output): Promise<ExitCode> {
  if (options.resume && !options.checkpoint) throw new UsageError('--resume needs --checkpoint <path>');
  const fromSpec = parseStoreUrl(options.from);
  const toSpec = parseStoreUrl(options.to);
  // Refused before anything is contacted; the engine refuses any other store without scan the same way.
  if (fromSpec.kind === 'memcached') throw new SourceNotEnumerableError('memcached');
  if (fromSpec.kind === 'tiered') throw new SourceNotEnumerableError('tiered');
  const stores = { from: describeStore(fromSpec), to: describeStore(toSpec) };
  if (stores.from === stores.to) throw new UsageError('--from and --to name the same store');

  let resume: CopyPosition | undefined;
  if (options.checkpoint) {
    if (options.resume) {
      resume = await readCheckpoint(options.checkpoint, stores);
      if (!resume) out.note(`no checkpoint at ${options.checkpoint} yet: starting from the beginning`);
    } else if (await checkpointExists(options.checkpoint)) {
      throw new UsageError(
        `checkpoint ${options.checkpoint} already exists: add --resume to continue that copy, or remove the file to start over`,
      );
    }
  }
  if (resume?.done) out.note('the checkpoint says this copy already completed: nothing left to copy');

  // Opened as they are (no schema or table created: that is `sessionkit schema --apply`), closed afterwards.
  return withStore(options.from, (from) =>
    withStore(options.to, (to) => copyBetween(from, to, { options, out, stores, resume })),
  );
}

/** Runs the copy between two open stores and prints its result; resolves the exit code. */
async function copyBetween(
  from: SessionStore,
  to: SessionStore,
  context: { options: CopyCommandOptions; out: Output; stores: { from: string; to: string }; resume?: CopyPosition },
): Promise<ExitCode> {
  const { options, out, stores, resume } = context;
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    out.note(
      `\n${signal}: stopping after the writes in flight and saving the checkpoint (send it again to quit at once)`,
    );
    controller.abort();
  };
  // `once`: a second signal finds no listener and ends the process the default way.
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const mode: ProgressMode =
    out.json || options.progress === 'none'
      ? 'off'
      : options.progress === 'auto'
        ? process.stderr.isTTY
          ? 'bar'
          : 'lines'
        : options.progress;
  const checkpoint = options.checkpoint;
  try {
    const result = await copySessions(from, to, {
      concurrency: options.concurrency,
      pageSize: options.pageSize,
      ...(options.rate === undefined ? {} : { rate: options.rate }),
      signal: controller.signal,
      ...(resume ? { resume } : {}),
      ...(checkpoint ? { onCheckpoint: (position) => writeCheckpoint(checkpoint, stores, position) } : {}),
      onProgress: progressDisplay({
        mode,
        stream: process.stderr,
        ...(options.expect === undefined ? {} : { expected: options.expect }),
      }),
    });
    const summary = { ...stores, checkpoint };
    out.result(summaryJson(result, summary), () => summaryLines(result, summary));
    if (result.outcome === 'aborted' && result.error?.retryable) return ExitCode.Unreachable;
    return result.outcome === 'completed' && result.counts.failed === 0 ? ExitCode.Ok : ExitCode.Failed;
  } finally {
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  }
}
