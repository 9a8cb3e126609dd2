/**
 * The copy throughput's section of docs/benchmarks.md (`bench/src/copy.ts`): `sessionkit copy`'s engine next to
 * the source's scan alone and the target's create alone. No target: the figures are reported. The section sits
 * between the markers of `sections.ts`, so `--only=copy --write` replaces it in the existing page.
 */
import type { CopyBenchReport } from '../copy.js';
import { type SeparateRun, sectionMarkers, separateRunNote } from './sections.js';

const { start: START, end: END } = sectionMarkers('copy');

const int = (v: number) => Math.round(v).toLocaleString('en-US');
const ratio = (v: number) => `${v.toFixed(2)}x`;

/** The section's markdown lines, markers included. With `separate`, it also says which run measured it. */
export function copySection(
  copy: CopyBenchReport | undefined,
  error: string | undefined,
  separate?: SeparateRun,
): string[] {
  const lines = [START, '## Copy throughput: `sessionkit copy` between stores', ''];
  if (separate) lines.push(separateRunNote(separate, { withTarget: false }), '');
  if (error || !copy) return [...lines, `**Copy run error:** ${error ?? 'no result'}`, '', END];
  lines.push(
    `${copy.sessions.toLocaleString('en-US')} sessions (64-1024 random bytes, 9 in 10 with an owner) copied by the engine of`,
    '`sessionkit copy` (`copySessions` from `@sessionkit/cli/copy`, the code the command runs), with its defaults:',
    `${copy.concurrency} writes in flight, scan pages of ${copy.pageSize}. Baselines, measured just before each copy on the same`,
    "stores: the source's `scan` walked alone (nothing written) and the same records written with `create` alone at the",
    "same concurrency (nothing read). The copy cannot beat the slower of the two; `copy / create` is what the copy's own",
    'work (reading, pacing, checkpoint bookkeeping) costs on top of the writes.',
    '',
    '| route | sessions | copy sessions/s | copy s | scan alone sessions/s | create alone sessions/s | copy / scan | copy / create |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...copy.rows.map(
      (r) =>
        `| ${r.route} | ${r.sessions.toLocaleString('en-US')} | ${int(r.copyPerSec)} | ${r.copySeconds.toFixed(1)} | ${int(r.scanPerSec)} | ${int(r.createPerSec)} | ${ratio(r.vsScan)} | ${ratio(r.vsCreate)} |`,
    ),
    '',
    `- Seeding the source (Redis \`create\`, 256 at a time) took ${copy.seedSeconds.toFixed(1)} s.`,
    "- Every create on Cassandra is a lightweight transaction (Paxos) plus the per-user index write: the target's create",
    '  is the bound on both routes; the tiered pair also writes the Redis cache after the durable store.',
    "- Cassandra's create throughput on a shared 2-core machine moves by 20 % or more between windows a minute apart",
    '  (see the load average above): a `copy / create` ratio near 1, above or below, means the copy runs at the',
    "  target's pace.",
  );
  return [...lines, '', END];
}
