/**
 * How `sessionkit copy` shows its progress on stderr: a bar redrawn in place on a terminal, a plain line every
 * few seconds otherwise (logs, CI), nothing at all with `--json` (stdout then carries only the final JSON
 * document). Only counts are shown, never a key or a session ID.
 *
 * @module
 */
import type { CopyProgress } from './types.js';
import { totalOf } from './types.js';

/** `bar`: redrawn in place (a TTY); `lines`: one plain line per interval; `off`: nothing. */
export type ProgressMode = 'bar' | 'lines' | 'off';

/** Options of {@link progressDisplay}. */
export interface ProgressDisplayOptions {
  mode: ProgressMode;
  /** Where to draw (stderr). Its `columns`, when a TTY has them, bound the bar's line. */
  stream: NodeJS.WritableStream & { columns?: number };
  /** The number of sessions expected over all runs (`--expect`): gives the bar a percentage and an ETA. */
  expected?: number;
  /** `lines` mode: ms between two lines. Default 5000. */
  lineIntervalMs?: number;
}

const BAR_WIDTH = 24;
const SPINNER = ['|', '/', '-', '\\'];

const int = (n: number) => Math.round(n).toLocaleString('en-US');

/** `1h02m03s`, `4m05s`, `6s`. */
export function formatDuration(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const sec = s % 60;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m${String(sec).padStart(2, '0')}s`;
  if (m > 0) return `${m}m${String(sec).padStart(2, '0')}s`;
  return `${sec}s`;
}

/** The counts part of a progress line. */
export function countsText(p: Pick<CopyProgress, 'counts'>): string {
  const c = p.counts;
  return `copied ${int(c.copied)}, skipped-expired ${int(c.skippedExpired)}, skipped-existing ${int(c.skippedExisting)}, failed ${int(c.failed)}`;
}

/** Returns the function to hand to the copy engine's `onProgress`. */
export function progressDisplay(options: ProgressDisplayOptions): (progress: CopyProgress) => void {
  const { mode, stream, expected } = options;
  const lineIntervalMs = options.lineIntervalMs ?? 5_000;
  let frame = 0;
  let lastLineAt = 0;
  if (mode === 'off') return () => undefined;
  if (mode === 'lines') {
    return (p) => {
      if (!p.final && p.elapsedMs - lastLineAt < lineIntervalMs) return;
      lastLineAt = p.elapsedMs;
      const done = totalOf(p.counts);
      const of = expected ? ` of ${int(expected)} expected` : '';
      stream.write(
        `copy: ${int(done)} sessions${of} (${countsText(p)}), ${int(p.perSecond)}/s, ${formatDuration(p.elapsedMs)}${p.final ? ' (end of run)' : ''}\n`,
      );
    };
  }
  return (p) => {
    const done = totalOf(p.counts);
    let head: string;
    let eta = '';
    if (expected && expected > 0) {
      const fraction = Math.min(1, done / expected);
      const filled = Math.round(fraction * BAR_WIDTH);
      head = `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${String(Math.floor(fraction * 100)).padStart(3)}% ${int(done)}/${int(expected)}`;
      if (p.perSecond > 0 && done < expected) eta = ` eta ${formatDuration(((expected - done) / p.perSecond) * 1000)}`;
    } else {
      head = `${p.final ? ' ' : SPINNER[frame++ % SPINNER.length]} ${int(done)} sessions`;
    }
    let line = `${head} | ${countsText(p)} | ${int(p.perSecond)}/s ${formatDuration(p.elapsedMs)}${eta}`;
    const columns = stream.columns;
    if (columns && line.length > columns - 1) line = line.slice(0, columns - 1);
    stream.write(`\r\x1b[2K${line}${p.final ? '\n' : ''}`);
  };
}
