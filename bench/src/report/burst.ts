/**
 * The same-session write burst's section of docs/benchmarks.md (`bench/src/burst.ts`), between the markers of
 * `sections.ts`, so a run of the burst alone (`--only=burst --write`) can replace it in the existing page.
 */
import type { BurstReport, BurstSideResult } from '../burst.js';
import { type SeparateRun, sectionMarkers, separateRunNote } from './sections.js';

const { start: START, end: END } = sectionMarkers('burst');

const ms = (v: number) => (v < 10 ? v.toFixed(2) : v.toFixed(1));
const share = (part: number, whole: number) => (whole === 0 ? '–' : `${((part / whole) * 100).toFixed(1)} %`);
const count = (n: number) => n.toLocaleString('en-US');

/**
 * The section's markdown lines, markers included: both sides side by side, the persisted / acknowledged ratio,
 * the target and how it was measured. With `separate`, it also says which run measured it.
 */
export function burstSection(
  burst: BurstReport | undefined,
  error: string | undefined,
  separate?: SeparateRun,
): string[] {
  const lines = [START, '## Same-session write burst: acknowledged vs persisted', ''];
  if (separate) {
    lines.push(separateRunNote(separate), '');
  }
  if (error || !burst) return [...lines, `**Burst run error:** ${error ?? 'no result'}`, '', END];
  const [es, sk] = (['express-session', 'sessionkit'] as const).map(
    (side) => burst.sides.find((s) => s.side === side)!,
  ) as [BurstSideResult, BurstSideResult];
  const row = (label: string, value: (s: BurstSideResult) => string) => `| ${label} | ${value(sk)} | ${value(es)} |`;
  const n = burst.requestsPerRound;
  lines.push(
    `${n} concurrent \`POST /cart/add?item=<i>\` (distinct items) on one session, spread round-robin over ${burst.processes} Express 5 app processes`,
    `on one Redis, ${burst.rounds} rounds per side, each on a fresh session, the two sides' rounds alternating. Afterwards the cart is read back`,
    `through each of the ${burst.processes} processes (they agree). Acknowledged: answered 2xx/3xx. Persisted: acknowledged and in the cart. Lost:`,
    'acknowledged and not in the cart.',
    '',
    '| | SessionKit | express-session + connect-redis |',
    '| --- | ---: | ---: |',
    "| handler | `session.update('cart', (cart) => [...(cart ?? []), item])` | `req.session.cart.push(item)` |",
    row('writes sent', (s) => count(s.requests)),
    row('acknowledged (2xx/3xx)', (s) => count(s.acknowledged)),
    row('persisted', (s) => count(s.persisted)),
    row('**persisted / acknowledged**', (s) => `**${share(s.persisted, s.acknowledged)}**`),
    row('lost (acknowledged, not in the cart)', (s) => count(s.lost)),
    row('answers 409', (s) => count(s.conflicts)),
    row('answers >= 500', (s) => count(s.serverErrors)),
    row('other failures (other 4xx, no answer)', (s) => count(s.otherFailures)),
    row(`persisted per round (of ${n})`, (s) => s.rounds.map((r) => r.persisted).join(', ')),
    row(
      `per-request latency p50 / p99, ms (over all ${count(sk.requests)} requests)`,
      (s) => `${ms(s.latencyP50Ms)} / ${ms(s.latencyP99Ms)}`,
    ),
    row(
      `time to drain a burst p50 / p99, ms (over the ${burst.rounds} rounds)`,
      (s) => `${ms(s.drainP50Ms)} / ${ms(s.drainP99Ms)}`,
    ),
    '',
    `**Target: ${burst.target.label}: ${burst.target.met ? 'met' : 'NOT met'}** (${count(sk.persisted)} of ${count(sk.acknowledged)}).`,
    '',
    `- SessionKit: ${sk.label}. In each process the commits of a burst run on one write lane and are written with one`,
    "  compare-and-set; a process that loses the compare-and-set to another reloads the winner's cart and re-applies its updaters on it.",
    `- express-session: ${es.label}. It saves the whole session object at the end of each request, so requests that`,
    "  loaded the same cart overwrite each other's adds; every one of them is answered 204.",
    '- Drain time: first request sent to last answer of one burst. The client opens one keep-alive socket per request before each burst,',
    `  so all ${n} are in flight at once and no TCP handshake is timed.${burst.rounds < 100 ? ` With ${burst.rounds} rounds, p99 is the slowest round.` : ''}`,
  );
  if (burst.retried) lines.push(`- Retried once after: ${burst.retried}. The figures are from the second attempt.`);
  const odd = burst.sides.filter((s) => s.unexpected > 0);
  for (const s of odd)
    lines.push(`- ${s.side}: ${s.unexpected} item(s) in the cart that were not acknowledged, or found twice.`);
  return [...lines, '', END];
}
