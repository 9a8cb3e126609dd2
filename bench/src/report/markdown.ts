/** Writes docs/benchmarks.md and the docs/images/bench-*.svg charts from one run's results. */
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BurstReport } from '../burst.js';
import type { CodecReport } from '../codec.js';
import type { CommitlogReport } from '../commitlog.js';
import type { CopyBenchReport } from '../copy.js';
import type { FrameworksReport } from '../frameworks.js';
import type { HttpCpuReport } from '../http-cpu.js';
import type { LegacyBenchReport } from '../legacy.js';
import type { BenchResult } from '../lib/measure.js';
import type { MemoryRow } from '../memory.js';
import type { ScaleReport } from '../scale.js';
import type { TelemetryReport } from '../telemetry.js';
import { burstSection } from './burst.js';
import { codecSection, codecTargetRow } from './codec.js';
import { commitlogSection } from './commitlog.js';
import { copySection } from './copy.js';
import { frameworksSection, frameworksTargetRows, frameworksVerdicts } from './frameworks.js';
import { httpCpuSection, httpCpuTargetRow } from './http-cpu.js';
import { legacySection, legacyTargetRow } from './legacy.js';
import type { LoadAverage, MachineInfo } from './machine.js';
import { type SectionPart, spliceSection } from './sections.js';
import { barChart, formatNumber, lineChart, type RatioBar, ratioChart } from './svg.js';
import { telemetrySection, telemetryTargetRows } from './telemetry.js';

export const REPO = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** What one bench module produced. */
export interface ModuleOutcome {
  module: string;
  results: BenchResult[];
  error?: string;
  /** The error of a first attempt that was retried. */
  retried?: string;
  seconds: number;
}

export interface RunReport {
  quick: boolean;
  startedAt: Date;
  totalSeconds: number;
  loadStart: LoadAverage;
  loadEnd: LoadAverage;
  machine: MachineInfo;
  modules: ModuleOutcome[];
  scale?: ScaleReport;
  scaleError?: string;
  memory?: MemoryRow[];
  memoryError?: string;
  burst?: BurstReport;
  burstError?: string;
  codec?: CodecReport;
  codecError?: string;
  legacy?: LegacyBenchReport;
  legacyError?: string;
  commitlog?: CommitlogReport;
  commitlogError?: string;
  frameworks?: FrameworksReport;
  frameworksError?: string;
  httpCpu?: HttpCpuReport;
  httpCpuError?: string;
  telemetry?: TelemetryReport;
  telemetryError?: string;
  copy?: CopyBenchReport;
  copyError?: string;
  /** Seconds spent in the frameworks, http-cpu, burst, codec, legacy, commit-log, telemetry, scale and memory parts. */
  extraSeconds?: Record<string, number>;
  command: string;
}

/** Unit of the two values of a row (most rows are throughput). */
function unitOf(r: BenchResult): string {
  if (/memory per/i.test(r.name)) return 'B/session';
  if (/commands per request/i.test(r.name)) return 'cmds/req';
  if (/^(Express|Fastify|Koa|Hono)\b/.test(r.name)) return 'req/s';
  return 'ops/s';
}

function parseTarget(label: string | undefined): { value: number; direction: 'min' | 'max' } | undefined {
  const m = label && /([<>])=\s*([\d.]+)\s*x/.exec(label);
  return m ? { value: Number(m[2]), direction: m[1] === '<' ? 'max' : 'min' } : undefined;
}

const ms = (v: number | undefined) =>
  v === undefined || !Number.isFinite(v)
    ? ''
    : v < 0.1
      ? v.toFixed(4)
      : v < 1
        ? v.toFixed(3)
        : v < 10
          ? v.toFixed(2)
          : v.toFixed(1);
const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const verdict = (r: BenchResult) => (r.met === undefined ? 'reported' : r.met ? '**met**' : '**NOT met**');

function latency(p50?: number, p99?: number): string {
  return p50 === undefined ? '' : `${ms(p50)} / ${ms(p99)}`;
}

function comparisonTable(modules: ModuleOutcome[]): string[] {
  const lines = [
    '| area | SessionKit | baseline | SessionKit | baseline | unit | ratio | target | result | p50 / p99 ms SessionKit | p50 / p99 ms baseline |',
    '| --- | --- | --- | ---: | ---: | --- | ---: | --- | --- | ---: | ---: |',
  ];
  for (const m of modules) {
    if (m.error) {
      lines.push(`| ${m.module} | **ERROR**: ${cell(m.error)} |  |  |  |  |  |  | **error** |  |  |`);
      continue;
    }
    for (const r of m.results) {
      lines.push(
        `| ${m.module} | ${cell(r.name)} | ${cell(r.baseline)} | ${formatNumber(r.opsPerSec)} | ${formatNumber(r.baselineOpsPerSec)} | ${unitOf(r)} | ` +
          `${Number.isFinite(r.ratio) ? `${r.ratio.toFixed(2)}x` : '–'} | ${cell(r.target ?? '')} | ${verdict(r)} | ${latency(r.p50Ms, r.p99Ms)} | ${latency(r.baselineP50Ms, r.baselineP99Ms)} |`,
      );
    }
  }
  return lines;
}

function targetsTable(modules: ModuleOutcome[], expected: { module: string; target: string }[]): string[] {
  const lines = ['| area | comparison | measured | target | result |', '| --- | --- | ---: | --- | --- |'];
  for (const m of modules) {
    if (m.error) {
      for (const e of expected.filter((x) => x.module === m.module)) {
        lines.push(`| ${m.module} | ${cell(e.target)} | – | – | **error**: ${cell(m.error)} |`);
      }
      continue;
    }
    for (const r of m.results.filter((x) => x.target)) {
      lines.push(
        `| ${m.module} | ${cell(r.name)} vs ${cell(r.baseline)} | ${r.ratio.toFixed(2)}x | ${cell(r.target!)} | ${verdict(r)} |`,
      );
    }
  }
  return lines;
}

/** Renders the markdown and the charts; returns the files written. */
export async function writeReport(
  report: RunReport,
  expected: { module: string; target: string }[],
): Promise<string[]> {
  const docs = join(REPO, 'docs');
  const images = join(docs, 'images');
  await mkdir(images, { recursive: true });
  const written: string[] = [];
  const write = async (path: string, text: string) => {
    await writeFile(path, text);
    written.push(path);
  };

  // The comparison modules' targets, the frameworks', the write path's, the burst's, the codec's and the legacy
  // option's (the scale rows are listed in the table, not counted here).
  const verdicts = [
    ...report.modules.flatMap((m) => m.results.filter((r) => r.target).map((r) => r.met)),
    ...frameworksVerdicts(report.frameworks),
    ...(report.httpCpu ? [report.httpCpu.target.met] : []),
    ...(report.burst ? [report.burst.target.met] : []),
    ...(report.codec ? [report.codec.target.met] : []),
    ...(report.legacy ? [report.legacy.target.met] : []),
    ...(report.telemetry ? report.telemetry.targets.map((t) => t.met) : []),
  ];
  const met = verdicts.filter(Boolean).length;
  const errors = report.modules.filter((m) => m.error);
  const date = `${report.startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC`;
  const mode = report.quick
    ? '`--quick` (short windows, fewer rounds, scale 10k/100k only: indicative only)'
    : 'full (not `--quick`)';
  const cores = report.machine.cores;
  const loaded = Math.max(report.loadStart.one, report.loadEnd.one) > cores * 1.5;

  // Charts.
  const bars: RatioBar[] = [];
  for (const m of report.modules) {
    if (m.error) {
      bars.push({ label: `${m.module}: ERROR`, ratio: Number.NaN, met: false });
      continue;
    }
    for (const r of m.results.filter((x) => x.target)) {
      const t = parseTarget(r.target);
      const bar: RatioBar = { label: `${m.module}: ${r.name} vs ${r.baseline}`, ratio: r.ratio };
      if (t) {
        bar.target = t.value;
        bar.direction = t.direction;
      }
      if (r.met !== undefined) bar.met = r.met;
      bars.push(bar);
    }
  }
  if (report.scale)
    for (const r of report.scale.results.filter((x) => x.target))
      bars.push({
        label: `scale: ${r.name} vs ${r.baseline}`,
        ratio: r.ratio,
        target: 1.2,
        direction: 'max',
        met: r.met!,
      });
  await write(
    join(images, 'bench-ratios.svg'),
    ratioChart(
      'SessionKit vs baseline: measured ratio and target',
      bars,
      `${date}, ${report.quick ? '--quick' : 'full run'}, ${report.machine.cpuModel} x${cores}, load ${report.loadStart.one}→${report.loadEnd.one}`,
    ),
  );
  const charts: string[] = ['![ratio vs target per comparison](images/bench-ratios.svg)'];

  if (report.scale && report.scale.points.length > 0) {
    for (const store of [...new Set(report.scale.points.map((p) => p.store))]) {
      const pts = report.scale.points.filter((p) => p.store === store);
      const base = pts[0]!.p50Ms;
      const file = `bench-scale-${store.toLowerCase().replace(/[^a-z0-9]+/g, '-')}.svg`;
      await write(
        join(images, file),
        lineChart(
          `${store}: operation latency vs live sessions`,
          [
            { name: 'p50', points: pts.map((p) => ({ x: p.sessions, y: p.p50Ms })) },
            {
              name: 'target: 1.2x first p50',
              points: pts.map((p) => ({ x: p.sessions, y: base * 1.2 })),
              dashed: true,
            },
            { name: 'p99', points: pts.map((p) => ({ x: p.sessions, y: p.p99Ms })) },
          ],
          {
            x: 'live sessions (log scale)',
            y: 'latency, ms',
            xLabel: (v) => (v >= 1e6 ? `${v / 1e6}M` : `${v / 1e3}k`),
          },
          report.quick ? '--quick: 10k and 100k only' : undefined,
        ),
      );
      charts.push(`![${store} latency vs live sessions](images/${file})`);
    }
  }
  if (report.memory && report.memory.length > 0) {
    await write(
      join(images, 'bench-memory.svg'),
      barChart(
        'Memory per stored 1 KiB session',
        report.memory.map((r) => ({
          label: r.backend,
          value: r.bytesPerSession ?? Number.NaN,
          ...(r.status === 'measured' ? {} : { note: r.status === 'computed' ? '(computed)' : r.status }),
        })),
        { unit: 'B', reference: { value: 1024, label: 'payload 1024 B' } },
      ),
    );
  }

  // Markdown.
  const md: string[] = [
    '# Benchmarks',
    '',
    `<!-- Generated by \`npm run bench\` (bench/src/run.ts). Do not edit by hand: rerun the benchmark. -->`,
    '',
    `Generated by \`${report.command}\` on ${date}, mode: ${mode}. Total run time ${report.totalSeconds.toFixed(0)} s.`,
    '',
    `**${met} of ${verdicts.length} targets met**${errors.length ? `; **${errors.length} module(s) failed** (${errors.map((e) => e.module).join(', ')}), shown as error rows` : ''}.`,
    '',
  ];
  const retried = report.modules.filter((m) => m.retried);
  if (retried.length > 0) {
    md.push(
      `> Retried once after a failure (the shared servers are restarted by other suites' fault tests): ` +
        `${retried.map((m) => `${m.module} (${cell(m.retried!)})`).join('; ')}. The figures below are from the second attempt.`,
      '',
    );
  }
  if (loaded) {
    md.push(
      `> **Warning: the machine was heavily loaded during this run** (load average ${report.loadStart.one} at start, ${report.loadEnd.one} at end, on ${cores} cores): ` +
        'other engineers were running test suites against the same servers. Absolute numbers are far below what this hardware does when idle and ' +
        "individual rounds are noisy. Ratios are more robust (each comparison alternates SessionKit and baseline in the same run and keeps each side's best round), but still carry that noise.",
      '',
    );
  }
  md.push(
    '## Machine',
    '',
    '| | |',
    '| --- | --- |',
    `| CPU | ${report.machine.cpuModel} (from /proc/cpuinfo), ${cores} cores |`,
    `| memory | ${report.machine.memoryGiB.toFixed(1)} GiB |`,
    `| OS | ${report.machine.os} |`,
    `| Node | ${report.machine.node} |`,
    `| load average (1/5/15 min) | start \`${report.loadStart.raw}\`, end \`${report.loadEnd.raw}\`${loaded ? ' — **very high**' : ''} |`,
    `| date | ${date} |`,
    `| mode | ${mode} |`,
    ...Object.entries(report.machine.servers)
      .sort()
      .map(([k, v]) => `| ${k} server | ${cell(v)} |`),
    `| client libraries | ${Object.entries(report.machine.clients)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')} |`,
    '',
    'All servers run on the same machine as the benchmark (loopback), started by `node services/bin/services.mjs up` (see [testing.md](testing.md)).',
    '',
    '## Targets',
    '',
    'Every target from the adapter, tiered and HTTP issues, with the ratio measured in this run. Ratios are SessionKit / baseline throughput',
    '(higher is better, `>=` targets) unless the row says p50, memory or commands per request (lower is better, `<=` targets).',
    '',
    ...targetsTable(report.modules, expected),
    ...(report.scale
      ? report.scale.results
          .filter((r) => r.target)
          .map(
            (r) =>
              `| scale | ${cell(r.name)} vs ${cell(r.baseline)} | ${r.ratio.toFixed(2)}x | ${cell(r.target!)} | ${verdict(r)} |`,
          )
      : []),
    ...(report.scaleError
      ? [
          `| scale | get + update p50 at 1M vs 10k (Redis, MemoryStore) | – | <= 1.2x | **error**: ${cell(report.scaleError)} |`,
        ]
      : []),
    ...frameworksTargetRows(report.frameworks, report.frameworksError),
    ...httpCpuTargetRow(report.httpCpu, report.httpCpuError),
    ...burstTargetRow(report),
    ...codecTargetRow(report.codec, report.codecError),
    ...legacyTargetRow(report.legacy, report.legacyError),
    ...telemetryTargetRows(report.telemetry, report.telemetryError),
    '',
    ...charts.slice(0, 1),
    '',
    '## All comparisons',
    '',
    'Throughput in operations (or requests) per second over the measured window; latency per operation as the workers saw it.',
    'Memory rows carry bytes per session in the value columns, the HTTP command row commands per request.',
    '',
    ...comparisonTable(report.modules),
    '',
    '### Notes per row',
    '',
  );
  for (const m of report.modules) {
    for (const r of m.results.filter((x) => x.notes)) md.push(`- **${m.module}** — ${cell(r.name)}: ${cell(r.notes!)}`);
  }
  md.push('');
  if (report.frameworks || report.frameworksError)
    md.push(...frameworksSection(report.frameworks, report.frameworksError), '');
  if (report.httpCpu || report.httpCpuError) md.push(...httpCpuSection(report.httpCpu, report.httpCpuError), '');
  if (report.burst || report.burstError) md.push(...burstSection(report.burst, report.burstError), '');
  if (report.codec || report.codecError) md.push(...codecSection(report.codec, report.codecError), '');
  if (report.legacy || report.legacyError) md.push(...legacySection(report.legacy, report.legacyError), '');
  if (report.commitlog || report.commitlogError)
    md.push(...commitlogSection(report.commitlog, report.commitlogError), '');
  if (report.telemetry || report.telemetryError)
    md.push(...telemetrySection(report.telemetry, report.telemetryError), '');
  if (report.copy || report.copyError) md.push(...copySection(report.copy, report.copyError), '');
  md.push('## Scale: latency with 10k, 100k and 1M live sessions', '');
  if (report.scale) {
    md.push(
      ...report.scale.notes.map((n) => `- ${n}`),
      '',
      '| store | live sessions | p50 ms | p99 ms | ops/s | populate s | CAS conflicts |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...report.scale.points.map(
        (p) =>
          `| ${p.store} | ${p.sessions.toLocaleString('en-US')} | ${ms(p.p50Ms)} | ${ms(p.p99Ms)} | ${formatNumber(p.opsPerSec)} | ${p.populateSec?.toFixed(1) ?? ''} | ${p.conflicts} |`,
      ),
      '',
      ...report.scale.results.map(
        (r) =>
          `- ${cell(r.name)} vs ${cell(r.baseline)}: ${r.ratio.toFixed(2)}x${r.target ? ` (target ${r.target}: ${verdict(r)})` : ' (reported)'}; ${cell(r.notes ?? '')}`,
      ),
      '',
      ...charts.slice(1),
      '',
    );
  }
  if (report.scaleError) md.push(`**Scale run error:** ${cell(report.scaleError)}`, '');
  md.push('## Memory per session', '');
  if (report.memory) {
    md.push(
      "N anonymous sessions of 1 KiB of random (incompressible) bytes written through each adapter; the backend's own memory figure before and after, divided by N.",
      '',
      '| backend | bytes / session | overhead over the 1024 B payload | sessions | how | status | notes |',
      '| --- | ---: | ---: | ---: | --- | --- | --- |',
      ...report.memory.map((r) => {
        const b = r.bytesPerSession;
        const over = b === undefined ? '' : `${(((b - r.payloadBytes) / r.payloadBytes) * 100).toFixed(0)} %`;
        return `| ${r.backend} | ${b === undefined ? '–' : b.toFixed(0)} | ${over} | ${r.sessions?.toLocaleString('en-US') ?? ''} | ${cell(r.method)} | ${r.status} | ${cell(r.notes ?? '')} |`;
      }),
      '',
      '![memory per session](images/bench-memory.svg)',
      '',
    );
  }
  if (report.memoryError) md.push(`**Memory run error:** ${cell(report.memoryError)}`, '');
  md.push(
    '## Module run times',
    '',
    '| module | seconds | outcome |',
    '| --- | ---: | --- |',
    ...report.modules.map(
      (m) =>
        `| ${m.module} | ${m.seconds.toFixed(1)} | ${m.error ? 'error' : `${m.results.length} rows`}${m.retried ? ` (retried once after: ${cell(m.retried)})` : ''} |`,
    ),
    ...Object.entries(report.extraSeconds ?? {}).map(
      ([name, s]) => `| ${name} | ${s.toFixed(1)} | ${partErrors(report)[name] ? 'error' : 'done'} |`,
    ),
    `| **total** (without the build) | ${report.totalSeconds.toFixed(1)} | |`,
    '',
    '## How it is measured',
    '',
    '- One process, one run: `npm run bench` builds the packages, then `bench/src/run.ts` runs every module in turn against the real servers;',
    '  a module that fails (a server down, a timeout) becomes an error row and the run continues.',
    '- Throughput comparisons use one loop (`bench/src/lib/measure.ts`): N concurrent workers each await one operation at a time for a fixed window after a warm-up.',
    '  SessionKit and its baseline are measured alternately (baseline, SessionKit, baseline, ...) for several rounds, and each side keeps its best round,',
    '  so slow drift on a shared machine hits both alike. The ratio is SessionKit / baseline from the same run.',
    "- Paired rounds, median ratio, where one side's best round is not steady enough:",
    '  - core (an operation of about 10 µs, all CPU): 21 short rounds of 200 ms per side (7 of 100 ms with `--quick`), each measuring baseline then',
    "    SessionKit back to back after a garbage collection before each side; the ratio is the median of the per-round ratios, and each side's ops/s",
    "    and latencies are the medians of its rounds (`aggregate: 'paired-median'` in `compare()`). A burst of other work then spoils one round's pair,",
    '    which the median drops. The notes give the lowest, quartile and highest round ratios, and the same figures per CPU-second of the process;',
    '  - Redis reads against `redis-benchmark` (another process): `redis-benchmark`, then the adapter right after it, 7 rounds, median ratio;',
    '  - HTTP: the five servers (express-session, SessionKit, SessionKit with the near cache, Express alone, the lazy middleware) run at once and',
    '    are loaded in alternating windows, 5 rounds, median of the per-round ratios; Redis commands are counted in a separate fixed-size phase',
    "    with MONITOR on each run's key prefix. The framework benchmarks (Fastify, Koa, Hono) do the same, one framework after the other;",
    '  - server CPU per request (`http-cpu`): the Express servers under read-only, mixed and write-only loads, alternating windows, medians.',
    '- Baselines: the raw client library sending the same commands (ioredis, memjs, cassandra-driver, AWS SDK v3, hazelcast-client),',
    "  `redis-benchmark` (the server's own ceiling), and Express + express-session + connect-redis for HTTP (autocannon, each server in its own process).",
    '- Latency rows (tiered, scale) compare p50 to p50; throughput is shown next to them.',
    '- Write burst: 3 app processes per side (each in its own Node process) on one Redis; the figures are counts of answers and of cart items read back, not a ratio.',
    '- Cassandra commit-log sync: three extra single nodes (`services.mjs start cassandra-commitlog`, started and stopped by the part itself) that differ',
    '  only in `commitlog_sync`; periodic is the baseline, group and batch are ratios to it (paired rounds, median ratio).',
    '- Run a single module: `npx tsx bench/src/<name>.ts [--quick]`; a subset through the runner: `npm run bench -- --only=redis,tiered` (does not rewrite this page unless `--write`).',
    '',
  );
  await write(join(docs, 'benchmarks.md'), `${md.join('\n')}\n`);
  return written;
}

/** The errors of the parts that are not comparison modules, by part name. */
function partErrors(report: RunReport): Record<string, string | undefined> {
  return {
    scale: report.scaleError,
    memory: report.memoryError,
    frameworks: report.frameworksError,
    'http-cpu': report.httpCpuError,
    burst: report.burstError,
    codec: report.codecError,
    legacy: report.legacyError,
    commitlog: report.commitlogError,
    telemetry: report.telemetryError,
    copy: report.copyError,
  };
}

/** The burst's row of the targets table (none when the run did not include the burst). */
function burstTargetRow(report: RunReport): string[] {
  const what =
    '| burst | SessionKit: persisted / acknowledged of 100 concurrent writes to one session over 3 processes';
  if (report.burstError) return [`${what} | – | 100 % | **error**: ${cell(report.burstError)} |`];
  if (!report.burst) return [];
  const sk = report.burst.sides.find((s) => s.side === 'sessionkit')!;
  const measured = sk.acknowledged === 0 ? '–' : `${((sk.persisted / sk.acknowledged) * 100).toFixed(1)} %`;
  return [`${what} | ${measured} | 100 % | ${report.burst.target.met ? '**met**' : '**NOT met**'} |`];
}

/**
 * Writes only the sections of `parts` into the existing docs/benchmarks.md (replacing each, or inserting it
 * before the scale section), keeping every other part's figures: for
 * `--only=frameworks,http-cpu,burst,codec,legacy,commitlog,telemetry --write` and its subsets. Returns the file written.
 */
export async function writePartSections(report: RunReport, parts: readonly SectionPart[]): Promise<string[]> {
  const path = join(REPO, 'docs', 'benchmarks.md');
  const { machine, loadStart, loadEnd } = report;
  const separate = (rounds: number | undefined) => ({
    date: `${report.startedAt.toISOString().replace('T', ' ').slice(0, 16)} UTC`,
    command: `npm run bench -- --only=${parts.join(',')} --write${report.quick ? ' --quick' : ''}`,
    mode: `${report.quick ? '`--quick`' : 'full'}${rounds === undefined ? '' : `, ${rounds} rounds`}`,
    machine: `${machine.cpuModel} x${machine.cores}, Node ${machine.node}`,
    load: `${loadStart.one} at start, ${loadEnd.one} at end`,
  });
  const sections: Record<SectionPart, () => string[]> = {
    frameworks: () => frameworksSection(report.frameworks, report.frameworksError, separate(report.frameworks?.rounds)),
    'http-cpu': () => httpCpuSection(report.httpCpu, report.httpCpuError, separate(report.httpCpu?.rounds)),
    burst: () => burstSection(report.burst, report.burstError, separate(report.burst?.rounds)),
    codec: () => codecSection(report.codec, report.codecError, separate(report.codec?.rounds)),
    legacy: () => legacySection(report.legacy, report.legacyError, separate(report.legacy?.rounds)),
    commitlog: () => commitlogSection(report.commitlog, report.commitlogError, separate(report.commitlog?.rounds)),
    telemetry: () => telemetrySection(report.telemetry, report.telemetryError, separate(report.telemetry?.rounds)),
    copy: () => copySection(report.copy, report.copyError, separate(undefined)),
  };
  let page = await readFile(path, 'utf8');
  for (const part of parts) page = spliceSection(page, part, sections[part]());
  await writeFile(path, page);
  return [path];
}
