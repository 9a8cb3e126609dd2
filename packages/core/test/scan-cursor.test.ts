import { describe, expect, it } from 'vitest';
import { decodeCursorText, encodeCursorText } from '../src/index.js';

describe('scan cursor text', () => {
  it('round-trips any string, unicode and separators included', () => {
    for (const text of ['', 'sess:abc', 'a.b.c', 'ключ', '\u{1F600}', 'x'.repeat(2048)]) {
      const encoded = encodeCursorText(text);
      expect(encoded).toMatch(/^[A-Za-z0-9_-]*$/);
      expect(decodeCursorText(encoded)).toBe(text);
    }
  });

  it('refuses what encodeCursorText never writes', () => {
    // Other characters, padding, non-canonical trailing bits (YR decodes like YQ), bytes that are not UTF-8.
    for (const encoded of ['a b', 'YQ==', 'YR', '_w', '+/']) expect(decodeCursorText(encoded), encoded).toBeUndefined();
  });
});
