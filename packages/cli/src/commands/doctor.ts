/**
 * `sessionkit doctor <url>`: checks the live backend against what sessions need and prints one line per check
 * (pass / warn / fail, with the finding and the fix), or one JSON document with `--json`. Exit code 1 when a
 * check failed, 3 when the backend (or a tier) could not be reached, 0 otherwise (warnings included).
 *
 * @module
 */
import { describeStore, parseStoreUrl } from '@sessionkit/store-url';
import type { Command } from 'commander';
import { positiveInteger } from '../arguments.js';
import { type CheckResult, type CheckStatus, worstStatus } from '../doctor/check.js';
import { DOCTOR_DEFAULTS, type DoctorOptions, parseDurationSeconds } from '../doctor/options.js';
import { runDoctor } from '../doctor/run.js';
import { ExitCode } from '../exit-codes.js';
import { type Output, run } from '../output.js';

/** The options `doctor` parses. */
interface DoctorCommandOptions {
  timeout: number;
  maxSessionAge: number;
  map: string;
  table: string;
  userTable: string;
  userIndex?: string;
}

/** The `--json` document. */
export interface DoctorReport {
  /** The store, as `describeStore` prints it (never a password). */
  store: string;
  /** The worst status of all checks. */
  status: CheckStatus;
  /** How many checks ended in each status. */
  counts: Record<CheckStatus, number>;
  /** Wall-clock time of the whole run (connections included), in ms. */
  elapsedMs: number;
  /** Every check, in report order. */
  checks: CheckResult[];
}

/** Registers `doctor` on the program. */
export function register(program: Command): void {
  program
    .command('doctor')
    .description(
      'Check a live backend against what sessions need (eviction, persistence, replication, TTL, indexes, ' +
        'compaction, backups) and print pass / warn / fail with the finding and the fix for each check.',
    )
    .argument('<url>', 'store URL (tiered: checks both tiers)')
    .option('--timeout <ms>', 'deadline of each connection and request', positiveInteger, DOCTOR_DEFAULTS.timeoutMs)
    .option(
      '--max-session-age <duration>',
      'the absolute session timeout (e.g. 24h, 7d): Cassandra gc_grace_seconds and the Hazelcast TTL are judged against it',
      parseDurationSeconds,
      DOCTOR_DEFAULTS.maxSessionAgeSeconds,
    )
    .option('--map <name>', 'Hazelcast sessions map', DOCTOR_DEFAULTS.mapName)
    .option('--table <name>', 'Cassandra sessions table', DOCTOR_DEFAULTS.table)
    .option('--user-table <name>', 'Cassandra per-user index table', DOCTOR_DEFAULTS.userTable)
    .option('--user-index <name>', "DynamoDB per-user index (GSI) name (default: the adapter's, byUser)")
    .addHelpText(
      'after',
      '\nExit codes: 0 no check failed (warnings allowed); 1 at least one check failed; 2 usage error\n' +
        '(malformed URL, bad option); 3 the backend (or a tier) could not be reached.',
    )
    .action(async (url: string, options: DoctorCommandOptions, command: Command) => {
      await run(command, (out) => doctorCommand(url, options, out));
    });
}

const SYMBOL: Record<CheckStatus, string> = { pass: 'PASS', warn: 'WARN', fail: 'FAIL' };

function humanLines(report: DoctorReport): string[] {
  const lines = [`sessionkit doctor ${report.store}`];
  for (const c of report.checks) {
    lines.push(`${SYMBOL[c.status]}  ${c.id}${c.target ? ` [${c.target}]` : ''}  ${c.finding}`);
    if (c.fix) lines.push(`      fix: ${c.fix}`);
  }
  const { pass, warn, fail } = report.counts;
  lines.push(`${pass} passed, ${warn} warning(s), ${fail} failed (${report.elapsedMs} ms)`);
  return lines;
}

async function doctorCommand(url: string, o: DoctorCommandOptions, out: Output): Promise<ExitCode> {
  const spec = parseStoreUrl(url);
  const options: DoctorOptions = {
    timeoutMs: o.timeout,
    maxSessionAgeSeconds: o.maxSessionAge,
    mapName: o.map,
    table: o.table,
    userTable: o.userTable,
    userIndexName: o.userIndex,
  };
  const started = performance.now();
  const { checks, unreachable } = await runDoctor(spec, options);
  const counts: Record<CheckStatus, number> = { pass: 0, warn: 0, fail: 0 };
  for (const c of checks) counts[c.status] += 1;
  const report: DoctorReport = {
    store: describeStore(spec),
    status: worstStatus(checks),
    counts,
    elapsedMs: Math.round(performance.now() - started),
    checks,
  };
  out.result(report, () => humanLines(report));
  if (unreachable) return ExitCode.Unreachable;
  return report.status === 'fail' ? ExitCode.Failed : ExitCode.Ok;
}
