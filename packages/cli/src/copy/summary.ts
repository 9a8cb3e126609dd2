/**
 * The final report of `sessionkit copy`: the JSON document printed with `--json`, and the readable lines
 * otherwise. Counts and store descriptions only (no password, no key, no session ID).
 *
 * @module
 */
import { formatDuration } from './progress-display.js';
import type { CopyCounts, CopyOutcome, CopyResult } from './types.js';

/** The `--json` document of a copy. */
export interface CopySummaryJson {
  outcome: CopyOutcome;
  from: string;
  to: string;
  /** Over all runs of this copy (the checkpoint's counts). */
  counts: CopyCounts;
  /** Of `counts.skippedExisting`, records whose target copy has another version or other data. */
  differing: number;
  /** Failed records of this run by error code. */
  failures: Record<string, number>;
  /** This run alone. */
  run: {
    scanned: number;
    settled: number;
    copied: number;
    pages: number;
    seconds: number;
    sessionsPerSecond: number;
  };
  /** The checkpoint file, when one was kept. */
  checkpoint: string | null;
  /** Why the copy stopped early (`outcome: 'aborted'`). */
  error?: { code: string; name: string; message: string; store?: string };
}

/** What the summary names besides the result. */
export interface SummaryContext {
  from: string;
  to: string;
  checkpoint: string | undefined;
}

/** The `--json` document. */
export function summaryJson(result: CopyResult, context: SummaryContext): CopySummaryJson {
  const json: CopySummaryJson = {
    outcome: result.outcome,
    from: context.from,
    to: context.to,
    counts: result.counts,
    differing: result.differing,
    failures: result.failures,
    run: {
      scanned: result.scanned,
      settled: result.settled,
      copied: result.copiedThisRun,
      pages: result.pages,
      seconds: Math.round(result.elapsedMs) / 1000,
      sessionsPerSecond: Math.round(result.perSecond),
    },
    checkpoint: context.checkpoint ?? null,
  };
  if (result.error) {
    json.error = { code: result.error.code, name: result.error.name, message: result.error.message };
    if (result.error.store !== undefined) json.error.store = result.error.store;
  }
  return json;
}

const int = (n: number) => n.toLocaleString('en-US');

/** The readable summary lines. */
export function summaryLines(result: CopyResult, context: SummaryContext): string[] {
  const c = result.counts;
  const head =
    result.outcome === 'completed'
      ? `copy completed: ${context.from} -> ${context.to}`
      : result.outcome === 'interrupted'
        ? `copy interrupted: ${context.from} -> ${context.to}`
        : `copy aborted: ${context.from} -> ${context.to}`;
  const lines = [
    head,
    `  copied            ${int(c.copied)}`,
    `  skipped-expired   ${int(c.skippedExpired)}`,
    `  skipped-existing  ${int(c.skippedExisting)}${result.differing > 0 ? ` (${int(result.differing)} differ from the source: left as they are on the target)` : ''}`,
    `  failed            ${int(c.failed)}${
      Object.keys(result.failures).length > 0
        ? ` (${Object.entries(result.failures)
            .map(([code, n]) => `${code} ${int(n)}`)
            .join(', ')})`
        : ''
    }`,
    `  this run: ${int(result.settled)} sessions in ${formatDuration(result.elapsedMs)}, ${int(Math.round(result.perSecond))}/s`,
  ];
  if (result.error) lines.push(`  stopped by: ${result.error.message}`);
  if (result.outcome !== 'completed') {
    lines.push(
      context.checkpoint
        ? `  resume with the same command plus --resume (checkpoint ${context.checkpoint})`
        : '  no --checkpoint was given: a new run starts from the beginning (records already copied count as skipped-existing)',
    );
  }
  return lines;
}
