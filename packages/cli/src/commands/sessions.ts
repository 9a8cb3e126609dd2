/**
 * `sessionkit sessions list|revoke|stats`: one user's live sessions (keys, never tokens), revoking them
 * (logout everywhere, optionally keeping one), and a session count where the backend gives one cheaply.
 *
 * @module
 */
import { describeStore, parseStoreUrl } from '@sessionkit/store-url';
import type { Command } from 'commander';
import { ExitCode } from '../exit-codes.js';
import { run, UsageError } from '../output.js';
import { listUserSessions } from '../sessions/list.js';
import { MIN_KEY_PREFIX, revokeUserSessions } from '../sessions/revoke.js';
import { storeStats } from '../sessions/stats.js';
import { withStore } from '../store.js';

/** Registers `sessions` and its subcommands. */
export function register(program: Command): void {
  const sessions = program
    .command('sessions')
    .description("inspect and revoke one user's sessions; session counts where the backend has them cheaply");

  sessions
    .command('list')
    .description("list a user's live sessions: store key, created, expires, size (never a session ID)")
    .argument('<url>', 'store URL (see sessionkit --help)')
    .requiredOption('--user <id>', 'the user ID the application set as the session owner')
    .addHelpText('after', '\nExample:\n  sessionkit sessions list redis://127.0.0.1:6379 --user alice --json\n')
    .action(async (url: string, options: { user: string }, command: Command) =>
      run(command, async (out) =>
        withStore(sharedUrl(url), async (store, spec) => {
          const rows = await listUserSessions(store, options.user);
          out.result({ store: describeStore(spec), user: options.user, count: rows.length, sessions: rows }, () => {
            if (rows.length === 0) return `no live sessions for user "${options.user}" on ${describeStore(spec)}`;
            const lines = rows.map(
              (r) =>
                `${r.key}  ${r.createdAt === null ? '(not readable)'.padEnd(24) : iso(r.createdAt)}  ${iso(r.expiresAt)}  ${String(r.sizeBytes).padStart(8)}`,
            );
            const unreadable = rows.some((r) => r.createdAt === null)
              ? ['(created not readable: the record is compressed or encrypted by the application codec)']
              : [];
            return [
              `${'KEY'.padEnd(43)}  ${'CREATED'.padEnd(24)}  ${'EXPIRES'.padEnd(24)}  ${'BYTES'.padStart(8)}`,
              ...lines,
              `${rows.length} live session${rows.length === 1 ? '' : 's'} for user "${options.user}"`,
              ...unreadable,
            ];
          });
          return ExitCode.Ok;
        }),
      ),
    );

  sessions
    .command('revoke')
    .description("delete a user's sessions (logout everywhere), optionally keeping one")
    .argument('<url>', 'store URL (see sessionkit --help)')
    .requiredOption('--user <id>', 'the user ID the application set as the session owner')
    .option('--except <key>', `keep this session: its store key or its first ${MIN_KEY_PREFIX}+ characters`)
    .addHelpText(
      'after',
      '\nExamples:\n' +
        '  sessionkit sessions revoke redis://127.0.0.1:6379 --user alice\n' +
        '  sessionkit sessions revoke redis://127.0.0.1:6379 --user alice --except Qx3v9Lk2\n',
    )
    .action(async (url: string, options: { user: string; except?: string }, command: Command) =>
      run(command, async (out) =>
        withStore(sharedUrl(url), async (store, spec) => {
          const result = await revokeUserSessions(store, options.user, options.except);
          out.result(
            { store: describeStore(spec), user: options.user, ...result },
            `revoked ${result.revoked} session${result.revoked === 1 ? '' : 's'} of user "${options.user}"` +
              (result.kept === undefined ? '' : `, kept ${result.kept}`),
          );
          return ExitCode.Ok;
        }),
      ),
    );

  sessions
    .command('stats')
    .description('count sessions where the backend can tell cheaply (DynamoDB); says "not available" elsewhere')
    .argument('<url>', 'store URL (see sessionkit --help)')
    .action(async (url: string, _options: unknown, command: Command) =>
      run(command, async (out) => {
        const spec = parseStoreUrl(url);
        const stats = await storeStats(spec);
        out.result({ store: describeStore(spec), stats }, () =>
          stats.map((s) =>
            s.available
              ? `${s.store}: about ${s.items} sessions, ${s.bytes} bytes (${s.note})`
              : `${s.store}: not available on ${s.backend} (${s.reason})`,
          ),
        );
        // Nothing to report at all is an operation the backend does not support (exit 2).
        return stats.some((s) => s.available) ? ExitCode.Ok : ExitCode.Usage;
      }),
    );
}

/** `url`, unless it names the embedded store: the CLI's own MemoryStore would be empty, and say nothing true. */
function sharedUrl(url: string): string {
  if (parseStoreUrl(url).kind === 'memory') {
    throw new UsageError(
      'the embedded memory store lives inside one application process: give the URL of a shared store',
    );
  }
  return url;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}
