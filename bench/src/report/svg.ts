/**
 * Minimal SVG charts drawn by the benchmark itself (no dependency): horizontal bars of measured ratio against
 * target, line charts of latency against live sessions, and plain bar charts.
 */

const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';
const GREEN = '#2e7d32';
const RED = '#c62828';
const GREY = '#757575';
const SERIES = ['#1565c0', '#ef6c00', '#6a1b9a', '#00838f'];

export function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1)}…`;
}

/** One bar of a ratio chart. */
export interface RatioBar {
  label: string;
  ratio: number;
  /** Threshold of the target. */
  target?: number;
  /** `min`: ratio must be >= target (higher is better); `max`: ratio must be <= target. */
  direction?: 'min' | 'max';
  met?: boolean;
}

/** Horizontal bars (measured ratio), a tick at the target, green when met, red when not, grey without target. */
export function ratioChart(title: string, bars: RatioBar[], subtitle?: string): string {
  const labelWidth = 600;
  const plotWidth = 380;
  const rowHeight = 26;
  const top = subtitle ? 58 : 40;
  const height = top + bars.length * rowHeight + 40;
  const width = labelWidth + plotWidth + 230;
  const maxValue =
    Math.max(1.6, ...bars.map((b) => (Number.isFinite(b.ratio) ? b.ratio : 0)), ...bars.map((b) => b.target ?? 0)) *
    1.05;
  const x = (v: number) => labelWidth + (Math.min(v, maxValue) / maxValue) * plotWidth;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  if (subtitle) out.push(`<text x="10" y="42" fill="${GREY}">${escapeXml(subtitle)}</text>`);
  // Grid at 0.5 steps.
  for (let v = 0; v <= maxValue; v += 0.5) {
    out.push(
      `<line x1="${x(v)}" y1="${top - 6}" x2="${x(v)}" y2="${top + bars.length * rowHeight}" stroke="#e0e0e0"/>`,
    );
    out.push(
      `<text x="${x(v)}" y="${top + bars.length * rowHeight + 16}" text-anchor="middle" fill="${GREY}">${v.toFixed(1)}x</text>`,
    );
  }
  out.push(
    `<line x1="${x(1)}" y1="${top - 6}" x2="${x(1)}" y2="${top + bars.length * rowHeight}" stroke="#9e9e9e" stroke-dasharray="2,2"/>`,
  );
  bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    const color = bar.met === undefined ? GREY : bar.met ? GREEN : RED;
    out.push(
      `<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(truncate(bar.label, 86))}</text>`,
    );
    if (Number.isFinite(bar.ratio)) {
      out.push(
        `<rect x="${labelWidth}" y="${y + 4}" width="${Math.max(1, x(bar.ratio) - labelWidth)}" height="${rowHeight - 9}" fill="${color}" opacity="0.85"/>`,
      );
    }
    if (bar.target !== undefined) {
      out.push(
        `<line x1="${x(bar.target)}" y1="${y + 1}" x2="${x(bar.target)}" y2="${y + rowHeight - 2}" stroke="black" stroke-width="2.5"/>`,
      );
    }
    const verdict = bar.met === undefined ? '' : bar.met ? ' met' : ' NOT met';
    const goal =
      bar.target === undefined ? '' : ` (${bar.direction === 'max' ? '<=' : '>='} ${bar.target.toFixed(2)}x)`;
    const value = Number.isFinite(bar.ratio) ? `${bar.ratio.toFixed(2)}x` : 'error';
    out.push(
      `<text x="${labelWidth + plotWidth + 8}" y="${y + 15}" fill="${color}">${escapeXml(value + goal + verdict)}</text>`,
    );
  });
  out.push(
    `<text x="10" y="${height - 6}" fill="${GREY}">bar = measured ratio; black tick = target; green met, red not met, grey no target; ratios above ${maxValue.toFixed(1)}x are clipped</text>`,
  );
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** One line of a line chart. */
export interface Series {
  name: string;
  points: { x: number; y: number }[];
  dashed?: boolean;
}

/** A line chart with a log-10 x axis (live sessions) and a linear y axis starting at 0. */
export function lineChart(
  title: string,
  series: Series[],
  axes: { x: string; y: string; xLabel?: (x: number) => string },
  subtitle?: string,
): string {
  const width = 640;
  const height = 380;
  const left = 70;
  const right = 200;
  const top = subtitle ? 62 : 44;
  const bottom = 50;
  const xs = series.flatMap((s) => s.points.map((p) => p.x));
  const ys = series.flatMap((s) => s.points.map((p) => p.y)).filter(Number.isFinite);
  const xMin = Math.log10(Math.min(...xs));
  const xMax = Math.log10(Math.max(...xs));
  const yMax = niceCeil(Math.max(...ys, 1e-9) * 1.1);
  const px = (v: number) =>
    left + (xMax === xMin ? 0.5 : (Math.log10(v) - xMin) / (xMax - xMin)) * (width - left - right);
  const py = (v: number) => top + (1 - v / yMax) * (height - top - bottom);
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  if (subtitle) out.push(`<text x="10" y="42" fill="${GREY}">${escapeXml(subtitle)}</text>`);
  for (let i = 0; i <= 5; i++) {
    const v = (yMax / 5) * i;
    out.push(`<line x1="${left}" y1="${py(v)}" x2="${width - right}" y2="${py(v)}" stroke="#e0e0e0"/>`);
    out.push(`<text x="${left - 6}" y="${py(v) + 4}" text-anchor="end" fill="${GREY}">${formatNumber(v)}</text>`);
  }
  for (const v of [...new Set(xs)]) {
    out.push(`<line x1="${px(v)}" y1="${top}" x2="${px(v)}" y2="${height - bottom}" stroke="#eeeeee"/>`);
    out.push(
      `<text x="${px(v)}" y="${height - bottom + 16}" text-anchor="middle" fill="${GREY}">${escapeXml(axes.xLabel ? axes.xLabel(v) : String(v))}</text>`,
    );
  }
  out.push(
    `<text x="${(left + width - right) / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(axes.x)}</text>`,
  );
  out.push(
    `<text x="16" y="${(top + height - bottom) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(top + height - bottom) / 2})">${escapeXml(axes.y)}</text>`,
  );
  series.forEach((s, i) => {
    const color = SERIES[i % SERIES.length]!;
    const pts = s.points.filter((p) => Number.isFinite(p.y));
    out.push(
      `<polyline fill="none" stroke="${color}" stroke-width="2.5"${s.dashed ? ' stroke-dasharray="6,4"' : ''} points="${pts.map((p) => `${px(p.x)},${py(p.y)}`).join(' ')}"/>`,
    );
    for (const p of pts)
      out.push(
        `<circle cx="${px(p.x)}" cy="${py(p.y)}" r="3.5" fill="${color}"><title>${escapeXml(`${s.name}: ${formatNumber(p.y)}`)}</title></circle>`,
      );
    out.push(`<rect x="${width - right + 12}" y="${top + i * 20}" width="14" height="3" fill="${color}"/>`);
    out.push(`<text x="${width - right + 32}" y="${top + i * 20 + 5}">${escapeXml(truncate(s.name, 28))}</text>`);
  });
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

/** Plain horizontal bars with a value label, optionally a reference line (e.g. the payload size). */
export function barChart(
  title: string,
  bars: { label: string; value: number; note?: string }[],
  options: { unit: string; reference?: { value: number; label: string } },
): string {
  const labelWidth = 170;
  const plotWidth = 420;
  const rowHeight = 26;
  const top = 44;
  const height = top + bars.length * rowHeight + 40;
  const width = labelWidth + plotWidth + 190;
  const max = niceCeil(
    Math.max(...bars.map((b) => b.value).filter(Number.isFinite), options.reference?.value ?? 0, 1e-9) * 1.05,
  );
  const x = (v: number) => labelWidth + (v / max) * plotWidth;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="12">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="10" y="22" font-size="15" font-weight="bold">${escapeXml(title)}</text>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const v = (max / 4) * i;
    out.push(
      `<line x1="${x(v)}" y1="${top - 6}" x2="${x(v)}" y2="${top + bars.length * rowHeight}" stroke="#e0e0e0"/>`,
    );
    out.push(
      `<text x="${x(v)}" y="${top + bars.length * rowHeight + 16}" text-anchor="middle" fill="${GREY}">${formatNumber(v)}</text>`,
    );
  }
  bars.forEach((bar, i) => {
    const y = top + i * rowHeight;
    out.push(`<text x="${labelWidth - 8}" y="${y + 15}" text-anchor="end">${escapeXml(bar.label)}</text>`);
    if (Number.isFinite(bar.value)) {
      out.push(
        `<rect x="${labelWidth}" y="${y + 4}" width="${Math.max(1, x(bar.value) - labelWidth)}" height="${rowHeight - 9}" fill="${SERIES[0]}" opacity="0.85"/>`,
      );
    }
    const text = Number.isFinite(bar.value)
      ? `${formatNumber(bar.value)} ${options.unit}${bar.note ? ` ${bar.note}` : ''}`
      : (bar.note ?? 'not measured');
    out.push(
      `<text x="${labelWidth + plotWidth + 8}" y="${y + 15}" fill="${GREY}">${escapeXml(truncate(text, 30))}</text>`,
    );
  });
  if (options.reference) {
    const rx = x(options.reference.value);
    out.push(
      `<line x1="${rx}" y1="${top - 8}" x2="${rx}" y2="${top + bars.length * rowHeight}" stroke="black" stroke-width="2" stroke-dasharray="4,3"/>`,
    );
    out.push(`<text x="${rx + 4}" y="${top - 10}">${escapeXml(options.reference.label)}</text>`);
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

function niceCeil(v: number): number {
  const magnitude = 10 ** Math.floor(Math.log10(v));
  for (const step of [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10]) if (step * magnitude >= v) return step * magnitude;
  return 10 * magnitude;
}

export function formatNumber(v: number): string {
  if (!Number.isFinite(v)) return '–';
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 100) return Math.round(v).toLocaleString('en-US');
  if (abs >= 10) return v.toFixed(1);
  if (abs >= 1) return v.toFixed(2);
  return v.toPrecision(2);
}
