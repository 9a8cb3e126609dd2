/**
 * The instrumentation cost's section of docs/benchmarks.md (`bench/src/telemetry.ts`) and its rows of the targets
 * table. The section sits between the markers of `sections.ts`, so `--only=telemetry --write` replaces it in the
 * existing page.
 */
import { TELEMETRY_TARGETS, type TelemetryFigure, type TelemetryReport } from '../telemetry.js';
import { type SeparateRun, sectionMarkers, separateRunNote } from './sections.js';

const { start: START, end: END } = sectionMarkers('telemetry');

const ratio = (v: number) => `${v.toFixed(3)}x`;
/** Throughput cost in percent: what the mode loses against `off` (negative when it measured faster). */
const cost = (f: TelemetryFigure) => `${((1 - f.ratio) * 100).toFixed(1)} %`;

/** The section's markdown lines, markers included. With `separate`, it also says which run measured it. */
export function telemetrySection(
  telemetry: TelemetryReport | undefined,
  error: string | undefined,
  separate?: SeparateRun,
): string[] {
  const lines = [START, '## Instrumentation cost: @sessionkit/opentelemetry off, API only, SDK on', ''];
  if (separate) lines.push(separateRunNote(separate), '');
  if (error || !telemetry) return [...lines, `**Telemetry run error:** ${error ?? 'no result'}`, '', END];
  lines.push(
    'The same work with no instrumentation (`off`), with the store wrapped by `instrumentStore` and the manager observed',
    'but only `@opentelemetry/api` present (`api`: every instrument a no-op), and with the OpenTelemetry SDK on (`sdk`: a',
    '`PeriodicExportingMetricReader` exporting every second, `ParentBased(TraceIdRatioBased(0.1))` sampling into a',
    '`BatchSpanProcessor`, exporters in memory). Store rows run in one process, the three modes back to back in each of',
    `${telemetry.rounds} rounds of ${telemetry.storeWindowMs} ms (order rotating); the HTTP row runs one server process per mode plus`,
    `Express alone, in ${telemetry.rounds} alternating rounds of ${telemetry.httpWindowSec} s. Ratios are medians of the per-round ratios to \`off\`;`,
    '"CPU" is CPU per operation relative to `off` (the process for the store rows, the server process for HTTP).',
    '',
    '| row | load | mode | per s | vs off | throughput cost | CPU vs off | µs CPU / op (store: process; HTTP: server) | spans exported / op |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const row of telemetry.rows) {
    for (const mode of ['off', 'api', 'sdk'] as const) {
      const f = row.figures[mode];
      lines.push(
        `| ${row.name} | ${row.load} | ${mode} | ${Math.round(f.perSec).toLocaleString('en-US')} | ${ratio(f.ratio)} | ${mode === 'off' ? '–' : cost(f)} | ${ratio(f.cpuRatio)} | ${f.usPerRequest.toFixed(1)} | ${f.spansPerOp?.toFixed(3) ?? '–'} |`,
      );
    }
    if (row.sdkFloor) {
      const f = row.sdkFloor;
      lines.push(
        `| ceiling: SDK alone, one bare span + one histogram record per store call (no SessionKit code) | same | – | ${Math.round(f.perSec).toLocaleString('en-US')} | ${ratio(f.ratio)} | ${((1 - f.ratio) * 100).toFixed(1)} % | – | ${f.usPerOp.toFixed(1)} | ${f.spansPerOp.toFixed(3)} |`,
      );
    }
    if (row.sdkUnwired) {
      const u = row.sdkUnwired;
      lines.push(
        `| SDK registered as in \`sdk\`, SessionKit not instrumented | same | – | ${Math.round(u.perSec).toLocaleString('en-US')} | ${ratio(u.ratio)} | ${((1 - u.ratio) * 100).toFixed(1)} % | – | ${u.usPerRequest.toFixed(1)} | – |`,
      );
    }
    if (row.ceiling) {
      lines.push(
        `| Express alone, same routes, no session (ceiling) | same | – | ${Math.round(row.ceiling.perSec).toLocaleString('en-US')} | – | – | – | ${row.ceiling.usPerRequest.toFixed(1)} | – |`,
      );
    }
  }
  lines.push('');
  for (const t of telemetry.targets) {
    lines.push(`- **Target: ${t.label}: ${t.met ? 'met' : 'NOT met'}** (worst row ${ratio(t.worstRatio)}).`);
  }
  for (const row of telemetry.rows) {
    if (!row.sdkFloor) continue;
    const f = row.sdkFloor;
    lines.push(
      `- **${row.name}: the SDK-alone ceiling.** The same operation wrapped by the least any instrumentation does on`,
      '  this SDK (`bench/src/lib/sdk-floor-store.ts`: per store call one span started, sampled and ended, one histogram',
      `  record; no context made active, no outcome, no payload size) runs at ${ratio(f.ratio)} of \`off\` (per round`,
      `  ${f.ratios.map((r) => r.toFixed(3)).join(', ')}): ${f.ratio < TELEMETRY_TARGETS.sdk ? 'below' : 'above'} the SDK target of ${TELEMETRY_TARGETS.sdk.toFixed(2)}x. SessionKit's \`sdk\` side runs at ${ratio(f.sdkRatio)} of`,
      `  this ceiling (per round ${f.sdkRatios.map((r) => r.toFixed(3)).join(', ')}): what its instrumentation adds beyond that least.`,
    );
  }
  for (const row of telemetry.rows) {
    if (!row.sdkUnwired) continue;
    lines.push(
      `- **${row.name}: what the SDK costs by itself vs what SessionKit adds.** The SDK registered with its`,
      '  `AsyncLocalStorage` context manager and nothing instrumented already costs',
      `  ${((1 - row.sdkUnwired.ratio) * 100).toFixed(1)} % of \`off\`'s throughput (the context manager's async hooks run on every promise of the`,
      `  request); SessionKit's instrumentation on top of it costs ${((1 - row.sdkUnwired.sdkRatio) * 100).toFixed(1)} % (\`sdk\` vs that server,`,
      `  ${ratio(row.sdkUnwired.sdkRatio)}; per round ${row.sdkUnwired.sdkRatios.map((r) => r.toFixed(3)).join(', ')}). The target above is`,
      "  judged against `off`, the issue's method; this split is reported next to it.",
    );
  }
  lines.push(
    "- The store rows run with no context manager: their `sdk` cost is the SDK's own work per instrumented call (a",
    '  span started and sampled, one or two histogram records whose attributes the SDK hashes each time), a fixed',
    '  few µs per call, which is large next to an in-process MemoryStore call and small next to a network round trip.',
    '- Spans exported per operation: each store row operation is two store calls (get, update), each a root span',
    '  sampled at 10 %, so about 0.2 is expected; it shows the SDK side really recorded and exported. Far below',
    "  0.2 (the MemoryStore row's tens of thousands of sampled spans a second), the batch processor's queue (2,048 spans",
    '  by default) was full and the SDK dropped the rest, as it does in production under that rate.',
    '- The exporters keep spans and metrics in memory and are emptied between windows: a network exporter adds its own',
    "  serialization and I/O, which an app usually moves to a collector's process.",
    '- Per-round ratios:',
    ...telemetry.rows.flatMap((row) =>
      (['api', 'sdk'] as const).map(
        (mode) => `  - ${row.name}, ${mode}: ${row.figures[mode].ratios.map((r) => r.toFixed(3)).join(', ')}`,
      ),
    ),
  );
  return [...lines, '', END];
}

/** The rows of the targets table (none when the run did not include the part). */
export function telemetryTargetRows(telemetry: TelemetryReport | undefined, error: string | undefined): string[] {
  if (error) {
    return [
      `| telemetry | throughput with @sessionkit/opentelemetry vs without (store and HTTP rows) | – | API only >= 0.98x, SDK on >= 0.90x | **error**: ${error.replace(/\|/g, '\\|')} |`,
    ];
  }
  if (!telemetry) return [];
  return telemetry.targets.map(
    (t) =>
      `| telemetry | ${t.label}: worst row's throughput vs off | ${ratio(t.worstRatio)} | >= ${t.mode === 'api' ? '0.98' : '0.90'}x | ${t.met ? '**met**' : '**NOT met**'} |`,
  );
}
