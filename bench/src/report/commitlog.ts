/**
 * The Cassandra commit-log sync section of docs/benchmarks.md (`bench/src/commitlog.ts`): periodic as the
 * baseline, group and batch as ratios to it, with the absolute figures and the disk under the commit log. The
 * section sits between the markers of `sections.ts`, so `--only=commitlog --write` replaces it in the existing page.
 */
import type { CommitlogCase, CommitlogReport, ModeFigures, SyncMode } from '../commitlog.js';
import type { DiskInfo } from './machine.js';
import { type SeparateRun, sectionMarkers, separateRunNote } from './sections.js';

const { start: START, end: END } = sectionMarkers('commitlog');
/** The modes in report order (a copy of commitlog.ts's list: rendering a saved run must not load the driver). */
const MODES: readonly SyncMode[] = ['periodic', 'group', 'batch'];

const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const times = (v: number) => `${v < 10 ? v.toFixed(2) : v.toFixed(1)}x`;
const rate = (v: number) => Math.round(v).toLocaleString('en-US');
const cellOf = (text: string) => text.replace(/\|/g, '\\|');

/** What each operation sends, for the tables. */
const WHAT: Record<CommitlogCase['operation'], string> = {
  create: 'create: index INSERT + `INSERT ... IF NOT EXISTS`',
  update: 'update: index INSERT + `UPDATE ... IF version = ?`',
  read: 'read: `get` (LOCAL_ONE), for reference',
};

/** The disk line: device, driver, cache mode, file system and mount options. */
export function diskLine(disk: DiskInfo): string {
  const device = [disk.driver, disk.writeCache && `write cache \`${disk.writeCache}\``].filter(Boolean).join(', ');
  const size = disk.sizeGiB === undefined ? '' : `, ${Math.round(disk.sizeGiB)} GiB`;
  return (
    `\`${disk.device}\`${device ? ` (${device})` : ''}, ${disk.filesystem} mounted at \`${disk.mountPoint}\` ` +
    `(\`${disk.mountOptions}\`)${size}`
  );
}

/** The section's markdown lines, markers included. With `separate`, it also says which run measured it. */
export function commitlogSection(
  report: CommitlogReport | undefined,
  error: string | undefined,
  separate?: SeparateRun,
): string[] {
  const lines = [START, '## Cassandra commit-log sync: what `group` and `batch` cost against `periodic`', ''];
  if (separate) lines.push(separateRunNote(separate, { withTarget: false }), '');
  if (error || !report) return [...lines, `**Commit-log run error:** ${error ?? 'no result'}`, '', END];
  const node = (mode: SyncMode) => report.nodes.find((n) => n.mode === mode)!;
  const single = report.cases.filter((c) => c.concurrency === 1);
  const many = report.cases.filter((c) => c.concurrency > 1);
  const concurrency = many[0]?.concurrency ?? 32;
  const writes = (cases: CommitlogCase[]) => cases.filter((c) => c.operation !== 'read');
  const windowMs = Number(/window (\d+(?:\.\d+)?)ms/.exec(node('group').setting)?.[1] ?? Number.NaN);
  const periodMs = Number(/period (\d+)ms/.exec(node('periodic').setting)?.[1] ?? Number.NaN);
  const period = Number.isFinite(periodMs) ? `${periodMs / 1000} s` : 'one sync period';
  const latency = (f: ModeFigures) => `${ms(f.p50Ms)} / ${ms(f.p99Ms)}`;
  const range = (values: number[], format: (v: number) => string) => {
    const low = Math.min(...values);
    const high = Math.max(...values);
    return format(low) === format(high) ? format(low) : `${format(low)}-${format(high)}`;
  };
  const p50Ratios = (mode: SyncMode) =>
    range(
      writes(single).map((c) => c.modes[mode].p50Ratio),
      times,
    );
  const opsRatios = (mode: SyncMode) =>
    range(
      writes(many).map((c) => c.modes[mode].opsRatio),
      times,
    );

  lines.push(
    `Three single Cassandra ${report.cassandraVersion} nodes that differ only in their commit-log sync, as each reports it in`,
    `\`system_views.settings\`: \`${node('periodic').setting}\` (${node('periodic').endpoint}, the test node's setting), \`${node('group').setting}\``,
    `(${node('group').endpoint}) and \`${node('batch').setting}\` (${node('batch').endpoint}), from \`node services/bin/services.mjs start cassandra-commitlog\`.`,
    `Each gets a \`CassandraSessionStore\` on a client of its own; ${report.payloadBytes} B logged-in sessions, so every write also writes the`,
    'per-user index entry; updates are compare-and-sets on one session per worker. In each of',
    `${report.rounds} rounds every case runs for ${report.windowMs / 1000} s (after a warm-up) on the three nodes back to back, in an order that`,
    "rotates every round, while the other two idle. Figures are medians over the rounds; ratios are medians of the per-round ratios to periodic's",
    'figure (latency: higher is slower; throughput: lower is fewer operations per second).',
    '',
    `**Commit log on:** ${diskLine(report.disk)}. fdatasync of a 4 KiB append in the same directory: p50 ${ms(report.fsync.p50Ms)} ms,`,
    `p99 ${ms(report.fsync.p99Ms)} ms (${report.fsync.samples} samples). Every sync below costs at least that.`,
    '',
    '### One request at a time: latency',
    '',
    '| operation | periodic p50 / p99 ms | group p50 / p99 ms | group / periodic, p50 | batch p50 / p99 ms | batch / periodic, p50 |',
    '| --- | ---: | ---: | ---: | ---: | ---: |',
    ...single.map(
      ({ operation, modes: m }) =>
        `| ${WHAT[operation]} | ${latency(m.periodic)} | ${latency(m.group)} | **${times(m.group.p50Ratio)}** | ${latency(m.batch)} | **${times(m.batch.p50Ratio)}** |`,
    ),
    '',
    `### ${concurrency} concurrent requests: throughput`,
    '',
    '| operation | periodic ops/s | group ops/s | group / periodic | batch ops/s | batch / periodic | p50 ms periodic / group / batch |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...many.map(
      ({ operation, modes: m }) =>
        `| ${WHAT[operation]} | ${rate(m.periodic.opsPerSec)} | ${rate(m.group.opsPerSec)} | **${times(m.group.opsRatio)}** | ` +
        `${rate(m.batch.opsPerSec)} | **${times(m.batch.opsRatio)}** | ${ms(m.periodic.p50Ms)} / ${ms(m.group.p50Ms)} / ${ms(m.batch.p50Ms)} |`,
    ),
    '',
    `**What a crash can lose, and what avoiding it costs a store write here:** \`periodic\` (the default) acknowledges a write before`,
    `it is synced. It syncs the log to disk every ${period} and, in between, moves the log's sync markers every 100 ms (Cassandra does`,
    'so for an uncompressed log, and replay after a crash stops at the last marker), so a crash of the Cassandra process (SIGKILL, an',
    `out-of-memory exit) loses about the last 100 ms of acknowledged writes, and a crash of the machine (power, kernel, hypervisor) up to the`,
    `last ${period}. \`group\` and \`batch\` acknowledge a write only once it is synced: neither loses an acknowledged write. Their cost for`,
    `a store write: \`group\` ${p50Ratios('group')} periodic's latency one at a time and ${opsRatios('group')} its throughput at ${concurrency};`,
    `\`batch\` ${p50Ratios('batch')} the latency and ${opsRatios('batch')} the throughput.`,
    '',
    ...(Number.isFinite(windowMs)
      ? [
          `- Why group costs whole windows: one at a time, a create or update takes ${range(
            writes(single).map((c) => c.modes.group.p50Ms / windowMs),
            (v) => v.toFixed(1),
          )} windows of ${windowMs} ms (p50). Its`,
          '  commit-log writes come one after the other (the index entry, then the Paxos promise and proposal of the lightweight',
          '  transaction, which Cassandra keeps in `system.paxos` through the commit log, then the row and the Paxos commit), and each',
          '  waits for the next sync. Concurrent requests share those syncs, so throughput grows with concurrency while the latency stays',
          '  at whole windows.',
        ]
      : []),
    '- Batch syncs as soon as a write arrives (writes that arrive during a sync share the next one), so each of those writes waits about',
    `  one sync: cheap on this disk (${ms(report.fsync.p50Ms)} ms per fdatasync). Where a sync costs several milliseconds (a network volume,`,
    "  a spinning disk) batch costs more, while group's cost stays close to its window.",
    "- These nodes run `concurrent_writes: 32` (Cassandra's default); the test nodes run 4. Under group and batch a write holds its",
    '  mutation-stage thread until its sync, so a node completes at most `concurrent_writes` writes per sync: with 4, group mode',
    "  would complete at most 4 commit-log writes per window whatever the clients' concurrency.",
    '- Reads write nothing to the commit log; their differences between the nodes come from elsewhere (by the time reads run, the',
    '  periodic node has absorbed several times more writes than the others, so it holds more data and flushes and compacts more).',
    `- ${report.unexpected === 0 ? 'Every create and update applied and every read found its session.' : `${report.unexpected} writes did not apply or reads found nothing (expected 0).`}`,
    `- Per-round ${concurrency}-request throughput, ops/s: ${many
      .filter((c) => c.operation !== 'read')
      .map(
        (c) =>
          `${c.operation} ${MODES.map((mode) => `${mode} ${c.modes[mode].roundOpsPerSec.map(rate).join(', ')}`).join('; ')}`,
      )
      .join('; ')}.`,
  );
  if (report.retried)
    lines.push(`- Retried once after: ${cellOf(report.retried)}. The figures are from the second attempt.`);
  return [...lines, '', END];
}
