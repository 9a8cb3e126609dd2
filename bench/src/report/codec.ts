/**
 * The codec cost's section of docs/benchmarks.md (`bench/src/codec.ts`) and its row of the targets table. The
 * section sits between the markers of `sections.ts`, so `--only=codec --write` replaces it in the existing page.
 */
import type { CodecReport } from '../codec.js';
import { type SeparateRun, sectionMarkers, separateRunNote } from './sections.js';

const { start: START, end: END } = sectionMarkers('codec');

const us = (v: number) => v.toFixed(1);

/** The section's markdown lines, markers included. With `separate`, it also says which run measured it. */
export function codecSection(
  codec: CodecReport | undefined,
  error: string | undefined,
  separate?: SeparateRun,
): string[] {
  const lines = [START, '## Codec cost: encryption at rest and compression', ''];
  if (separate) lines.push(separateRunNote(separate), '');
  if (error || !codec) return [...lines, `**Codec run error:** ${error ?? 'no result'}`, '', END];
  lines.push(
    `One encode + decode of a ${codec.sessionBytes}-byte session (JSON: user, an 8-item cart, preferences, a CSRF token, recently viewed pages),`,
    `in one process, ${codec.rounds} rounds of ${codec.batch.toLocaleString('en-US')} per variant, the variants back to back in each round (order rotating,`,
    'a garbage collection before each batch). µs are medians over the rounds; "added" is the median of the per-round differences to `jsonCodec`.',
    '',
    '| variant | µs per encode + decode | fastest round, µs | added over jsonCodec, µs | stored bytes |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...codec.rows.map(
      (r) =>
        `| ${r.name} | ${us(r.us)} | ${us(r.minUs)} | ${r.addedUs === undefined ? '–' : us(r.addedUs)} | ${r.storedBytes.toLocaleString('en-US')} |`,
    ),
    '',
    `**Target: ${codec.target.label}: ${codec.target.met ? 'met' : 'NOT met'}** (measured ${us(codec.addedUs)} µs added).`,
    '',
    '- "Added" for JSON + AES-256-GCM counts everything the encryption layer does (random IV, header, associated data, cipher, copies)',
    '  and nothing `jsonCodec` does.',
    `- The floor row is node:crypto alone (createCipheriv, setAAD, update, final, getAuthTag, then the same to decrypt) on the same JSON bytes:`,
    `  ${us(codec.floorUs)} µs, which no AES-256-GCM layer built on node:crypto can go below. Most of it is Node's per-call cost`,
    "  (a cipher object per record, a new buffer per output), not AES itself. The rest of the added figure is the layer's own work",
    '  (a random IV, the header, the associated data, one copy into the record, parsing the header) and the garbage it leaves.',
    '- Compression is optional (`sessionCodec({ compression: false })`): it trades the deflate and inflate time for a smaller record.',
  );
  return [...lines, '', END];
}

/** The codec's row of the targets table (none when the run did not include it). */
export function codecTargetRow(codec: CodecReport | undefined, error: string | undefined): string[] {
  const what =
    '| codec | encryption layer (JSON + AES-256-GCM) vs jsonCodec: added µs per encode + decode of a 1 KiB session';
  if (error) return [`${what} | – | <= 5 µs | **error**: ${error.replace(/\|/g, '\\|')} |`];
  if (!codec) return [];
  return [`${what} | ${us(codec.addedUs)} µs | <= 5 µs | ${codec.target.met ? '**met**' : '**NOT met**'} |`];
}
