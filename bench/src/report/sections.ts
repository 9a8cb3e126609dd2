/**
 * Sections of docs/benchmarks.md that one part owns (the framework benchmarks, the server CPU per request, the
 * burst, the codec cost, the legacy option's cost, the Cassandra commit-log sync modes). Each sits between two HTML comment markers, so a run of that part alone
 * (`--only=<part> --write`) can replace it in the existing page and keep every other part's figures
 * ({@link spliceSection}).
 */

/** A part with a section of its own. */
export type SectionPart = 'frameworks' | 'http-cpu' | 'burst' | 'codec' | 'legacy' | 'commitlog' | 'telemetry' | 'copy';

/** Where a page without the section gets it: before this heading if present, else at the end. */
const BEFORE = '## Scale:';

/** How the run that measured a part is named in a section written into a page from another run. */
export interface SeparateRun {
  date: string;
  command: string;
  mode: string;
  machine: string;
  load: string;
}

/** The opening and closing markers of `part`'s section. */
export function sectionMarkers(part: SectionPart): { start: string; end: string } {
  return { start: `<!-- section: ${part} (bench/src/${part}.ts) -->`, end: `<!-- /section: ${part} -->` };
}

/** The note at the top of a section measured by a run of its own; `withTarget: false` for a part without a target. */
export function separateRunNote(separate: SeparateRun, { withTarget = true } = {}): string {
  return (
    `> Measured separately by \`${separate.command}\` on ${separate.date} (${separate.mode}; ${separate.machine}; load average ${separate.load}). ` +
    `The rest of this page comes from the run named at the top${withTarget ? ', whose summary does not count this target' : ''}.`
  );
}

/** `page` with `part`'s section replaced by `section`, or the section inserted where a full run puts it. */
export function spliceSection(page: string, part: SectionPart, section: string[]): string {
  const { start: START, end: END } = sectionMarkers(part);
  const text = section.join('\n');
  const start = page.indexOf(START);
  const end = page.indexOf(END);
  if (start !== -1 && end > start) return page.slice(0, start) + text + page.slice(end + END.length);
  const before = page.indexOf(`\n${BEFORE}`);
  return before === -1
    ? `${page.trimEnd()}\n\n${text}\n`
    : `${page.slice(0, before + 1)}${text}\n\n${page.slice(before + 1)}`;
}
