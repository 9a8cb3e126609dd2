/**
 * The operator page: live charts of every instance's session figures (store latency p50/p99, near-cache hit
 * ratio, conflicts, 503s, requests by outcome). The server renders the frame; `/operator.js` polls
 * `/operator/data` every 2 s and draws the charts (see operator-script.ts).
 *
 * @module
 */
import type { Html } from './html.js';
import { html } from './html.js';
import type { PageContext } from './layout.js';
import { layout } from './layout.js';

/** The charts, in page order: `data-chart` ids the script fills, and their captions. */
export const OPERATOR_CHARTS: ReadonlyArray<{ id: string; caption: string }> = [
  { id: 'p50', caption: 'Store latency p50 (ms)' },
  { id: 'p99', caption: 'Store latency p99 (ms)' },
  { id: 'hit', caption: 'Cache hit ratio, near cache or tiered (%)' },
  { id: 'conflicts', caption: 'Session conflicts per second' },
  { id: 'unavailable', caption: '503s per second (store unavailable)' },
  { id: 'requests', caption: 'Requests per second by outcome (all instances)' },
];

/** The page frame: a figures table and one empty chart per entry of {@link OPERATOR_CHARTS}. */
export function operatorPage(ctx: PageContext, instances: readonly string[]): Html {
  const charts = OPERATOR_CHARTS.map(
    (c) => html`<figure class="chart card"><figcaption>${c.caption}</figcaption>
<svg data-chart="${c.id}" viewBox="0 0 440 170" role="img" aria-label="${c.caption}"></svg>
<div class="legend" data-legend="${c.id}"></div></figure>`,
  );
  return layout(
    'Operator',
    ctx,
    html`<h1>Operator</h1>
<p class="muted">Live session figures of ${instances.length === 1 ? 'this instance' : `${instances.length} instances`}, read from each one's <a href="/metrics">/metrics</a> every 2 s. Latency quantiles and rates are over the last interval.</p>
<table class="figures"><thead><tr><th>Instance</th><th class="num">Requests/s</th><th class="num">p50 ms</th><th class="num">p99 ms</th><th class="num">Hit ratio</th><th class="num">Conflicts/s</th><th class="num">503s/s</th></tr></thead>
<tbody data-testid="figures">${instances.map((name) => html`<tr data-instance="${name}"><td>${name}</td><td class="num" colspan="6">waiting for data</td></tr>`)}</tbody></table>
<div class="charts">${charts}</div>
<script src="/operator.js" defer></script>`,
  );
}
