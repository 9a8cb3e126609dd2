/**
 * The checkpoint file of `sessionkit copy --checkpoint <path>`: a small JSON document holding the position of
 * the copy ({@link CopyPosition}: scan cursor, counts) and which source and target it belongs to. It is
 * replaced atomically (written to a temporary file in the same directory, flushed to disk, renamed over the
 * old one), so a crash or kill at any moment leaves either the previous checkpoint or the new one, never a
 * torn file. It holds no session ID and no key: a scan cursor and counts only.
 *
 * @module
 */
import { open, readFile, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { CheckpointError } from './errors.js';
import type { CopyCounts, CopyPosition } from './types.js';

/** The `format` marker of a checkpoint file. */
export const CHECKPOINT_FORMAT = 'sessionkit-copy-checkpoint/1';

/** What a checkpoint file holds. */
export interface CheckpointFile {
  format: typeof CHECKPOINT_FORMAT;
  /** The source store, as {@link CheckpointStores.from} (no password). */
  from: string;
  /** The target store, as {@link CheckpointStores.to} (no password). */
  to: string;
  position: CopyPosition;
  /** When it was written (ISO 8601). */
  updatedAt: string;
}

/** The stores a checkpoint belongs to: descriptions of their URLs without credentials. */
export interface CheckpointStores {
  from: string;
  to: string;
}

/**
 * Reads the position saved at `path` for a copy between `stores`; `undefined` when there is no file.
 * @throws {CheckpointError} when the file is unreadable, malformed, or belongs to another source or target
 */
export async function readCheckpoint(path: string, stores: CheckpointStores): Promise<CopyPosition | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CheckpointError('cannot be read', path, error);
  }
  let file: unknown;
  try {
    file = JSON.parse(text);
  } catch (error) {
    throw new CheckpointError('is not JSON', path, error);
  }
  const checked = checkFile(file);
  if (!checked) throw new CheckpointError(`is not a ${CHECKPOINT_FORMAT} file`, path);
  for (const side of ['from', 'to'] as const) {
    if (checked[side] !== stores[side]) {
      throw new CheckpointError(
        `was written for --${side} ${checked[side]}, not ${stores[side]}; use another checkpoint path for another copy`,
        path,
      );
    }
  }
  return checked.position;
}

/**
 * Whether a file exists at `path` (a copy that is not resuming refuses to replace one).
 * @throws {CheckpointError} when the path cannot be inspected
 */
export async function checkpointExists(path: string): Promise<boolean> {
  try {
    const handle = await open(path, 'r');
    await handle.close();
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return false;
    throw new CheckpointError('cannot be opened', path, error);
  }
}

/**
 * Replaces the checkpoint at `path` atomically with `position` for `stores`.
 * @throws {CheckpointError} when it cannot be written (the previous checkpoint is then left as it was)
 */
export async function writeCheckpoint(path: string, stores: CheckpointStores, position: CopyPosition): Promise<void> {
  const file: CheckpointFile = {
    format: CHECKPOINT_FORMAT,
    from: stores.from,
    to: stores.to,
    position,
    updatedAt: new Date().toISOString(),
  };
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    const handle = await open(temporary, 'w', 0o600);
    try {
      await handle.writeFile(`${JSON.stringify(file, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new CheckpointError('cannot be written', path, error);
  }
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/** The file, if it has the expected shape. */
function checkFile(value: unknown): CheckpointFile | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const file = value as Partial<CheckpointFile>;
  if (file.format !== CHECKPOINT_FORMAT || typeof file.from !== 'string' || typeof file.to !== 'string')
    return undefined;
  const p = file.position as Partial<CopyPosition> | undefined;
  if (typeof p !== 'object' || p === null) return undefined;
  const counts = p.counts as Partial<CopyCounts> | undefined;
  const countsOk =
    typeof counts === 'object' &&
    counts !== null &&
    isCount(counts.copied) &&
    isCount(counts.skippedExpired) &&
    isCount(counts.skippedExisting) &&
    isCount(counts.failed);
  if (
    !countsOk ||
    !(p.cursor === null || typeof p.cursor === 'string') ||
    typeof p.done !== 'boolean' ||
    !isCount(p.differing) ||
    !isCount(p.pages) ||
    typeof p.elapsedMs !== 'number' ||
    !(p.elapsedMs >= 0)
  ) {
    return undefined;
  }
  return file as CheckpointFile;
}
