/**
 * A parser for the Prometheus text exposition format (what `/metrics` serves): enough for the operator page to
 * read its figures back, not a full client. Comments (`# HELP`, `# TYPE`, `# UNIT`) and timestamps are skipped.
 *
 * @module
 */

/** One sample: a series name, its labels and its value. */
export interface Sample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*/;
const LABEL = /\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"\s*,?/y;
const ESCAPES: Record<string, string> = { n: '\n', '\\': '\\', '"': '"' };

/** The value of a sample (`+Inf`, `-Inf` and `NaN` included), or `undefined` if it is not a number. */
function parseValue(text: string): number | undefined {
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  if (text === 'NaN') return Number.NaN;
  const value = Number(text);
  return text === '' || Number.isNaN(value) ? undefined : value;
}

/** Parses exposition text into samples; lines it cannot read are skipped. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const name = NAME.exec(line)?.[0];
    if (!name) continue;
    const labels: Record<string, string> = {};
    let rest = line.slice(name.length);
    if (rest.startsWith('{')) {
      const end = labelsEnd(rest);
      if (end < 0) continue;
      LABEL.lastIndex = 1;
      for (let m = LABEL.exec(rest); m && LABEL.lastIndex <= end + 1; m = LABEL.exec(rest)) {
        labels[m[1]!] = m[2]!.replace(/\\(.)/g, (_, c: string) => ESCAPES[c] ?? c);
      }
      rest = rest.slice(end + 1);
    }
    const value = parseValue(rest.trim().split(/\s+/)[0] ?? '');
    if (value !== undefined) samples.push({ name, labels, value });
  }
  return samples;
}

/** The index in `text` (which starts with `{`) where quoted label values end, so a `}` inside one is skipped. */
function labelsEnd(text: string): number {
  let quoted = false;
  for (let i = 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\\' && quoted) i++;
    else if (c === '"') quoted = !quoted;
    else if (c === '}' && !quoted) return i;
  }
  return -1;
}
