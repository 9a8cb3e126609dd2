/**
 * The shop's stylesheet, served at `/shop.css` (no front-end build, no inline styles, so the CSP can forbid them).
 *
 * @module
 */

import { PRODUCTS } from '../catalog.js';

const thumbColors = PRODUCTS.map((p) => `.thumb-${p.id} { background: ${p.icon.color}; }`).join('\n');

/** The operator charts' series colours: classes `s0`..`s7` (line stroke, legend swatch). */
const SERIES_PALETTE = ['#3b5bdb', '#e8590c', '#2b8a3e', '#c2255c', '#7048e8', '#0c8599', '#a61e4d', '#5c940d'];
const seriesColors = SERIES_PALETTE.map(
  (c, i) => `.line.s${i} { stroke: ${c}; } .swatch.s${i} { background: ${c}; }`,
).join('\n');

/** The whole stylesheet. */
export const STYLESHEET = `
:root { --ink: #1d2433; --muted: #5b6475; --line: #e3e7ee; --brand: #3b5bdb; --brand-dark: #2f4ab8; --bg: #f6f7fb; --ok: #2b8a3e; --warn: #c92a2a; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); background: var(--bg); }
a { color: var(--brand); text-decoration: none; }
a:hover { text-decoration: underline; }
header.top { background: #fff; border-bottom: 1px solid var(--line); }
header.top .bar { max-width: 960px; margin: 0 auto; padding: 12px 20px; display: flex; align-items: center; gap: 20px; }
header.top .logo { font-weight: 700; font-size: 20px; color: var(--ink); }
header.top nav { display: flex; gap: 16px; flex: 1; }
header.top .who { color: var(--muted); font-size: 14px; display: flex; gap: 10px; align-items: center; }
.badge { display: inline-block; min-width: 22px; padding: 0 7px; border-radius: 11px; background: var(--brand); color: #fff; font-size: 13px; text-align: center; }
.instance { font: 12px/1 ui-monospace, SFMono-Regular, Menlo, monospace; padding: 5px 8px; border-radius: 6px; background: #fff4e6; color: #a85d00; border: 1px solid #ffd8a8; }
main { max-width: 960px; margin: 0 auto; padding: 24px 20px 48px; }
h1 { font-size: 26px; margin: 0 0 16px; }
.flash { padding: 10px 14px; border-radius: 8px; background: #ebfbee; border: 1px solid #b2f2bb; color: var(--ok); margin-bottom: 18px; }
.error { background: #fff5f5; border-color: #ffc9c9; color: var(--warn); }
.grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(260px, 1fr)); gap: 16px; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 12px; padding: 18px; }
.thumb { display: inline-flex; align-items: center; justify-content: center; width: 56px; height: 56px; border-radius: 12px; color: #fff; font-weight: 700; font-size: 14px; letter-spacing: .05em; }
.thumb.small { width: 32px; height: 32px; border-radius: 8px; font-size: 10px; vertical-align: middle; margin-right: 8px; }
header.top .logo .mark { display: inline-flex; align-items: center; justify-content: center; width: 30px; height: 30px; border-radius: 8px; background: var(--brand); color: #fff; font-size: 13px; margin-right: 6px; vertical-align: middle; }
td.nowrap, td.num { white-space: nowrap; }
.product h2 { font-size: 18px; margin: 6px 0; }
.product p { color: var(--muted); margin: 0 0 12px; min-height: 48px; }
.product .buy { display: flex; justify-content: space-between; align-items: center; }
.price { font-weight: 600; }
button, .button { font: inherit; border: 0; border-radius: 8px; padding: 8px 14px; background: var(--brand); color: #fff; cursor: pointer; }
button:hover, .button:hover { background: var(--brand-dark); text-decoration: none; }
button.secondary { background: #e7ebf3; color: var(--ink); }
button.danger { background: #fff; color: var(--warn); border: 1px solid #ffc9c9; }
button.link { background: none; color: var(--brand); padding: 0; }
form.inline { display: inline; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); border-radius: 12px; overflow: hidden; }
th, td { text-align: left; padding: 12px 14px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); background: #fafbfd; }
tr:last-child td { border-bottom: 0; }
td.num, th.num { text-align: right; }
.total { display: flex; justify-content: flex-end; gap: 16px; align-items: center; margin-top: 16px; font-size: 18px; }
.current { font-size: 12px; padding: 2px 8px; border-radius: 10px; background: #e7f5ff; color: #1864ab; margin-left: 6px; }
.muted { color: var(--muted); }
.login { max-width: 380px; margin: 40px auto; }
.login label { display: block; margin: 12px 0 4px; font-weight: 600; }
.login input { width: 100%; font: inherit; padding: 9px 10px; border: 1px solid var(--line); border-radius: 8px; }
.login button { margin-top: 18px; width: 100%; }
.hint { font-size: 14px; color: var(--muted); margin-top: 14px; }
footer { max-width: 960px; margin: 0 auto; padding: 0 20px 32px; color: var(--muted); font-size: 13px; }
.actions { display: flex; gap: 12px; margin-top: 18px; }
${thumbColors}
.charts { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 16px; margin-top: 18px; }
figure.chart { margin: 0; padding: 12px 14px; }
figure.chart figcaption { font-weight: 600; font-size: 14px; margin-bottom: 4px; }
figure.chart svg { width: 100%; height: auto; display: block; }
figure.chart .grid { stroke: var(--line); stroke-width: 1; }
figure.chart .tick { fill: var(--muted); font-size: 10px; }
figure.chart .line { fill: none; stroke-width: 2; stroke-linejoin: round; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; font-size: 12px; color: var(--muted); }
.legend .swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
table.figures td, table.figures th { padding: 8px 12px; }
${seriesColors}
`;
