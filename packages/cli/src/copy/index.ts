/**
 * The session copy engine behind `sessionkit copy`, usable without the CLI: {@link copySessions} copies every
 * live session of one store into another (resumable, paced, bounded), and the checkpoint-file helpers save and
 * restore its position.
 *
 * @module
 */
export type { CheckpointFile, CheckpointStores } from './checkpoint-file.js';
export { CHECKPOINT_FORMAT, checkpointExists, readCheckpoint, writeCheckpoint } from './checkpoint-file.js';
export { copySessions } from './copy-sessions.js';
export { CheckpointError, SourceNotEnumerableError } from './errors.js';
export type { ProgressDisplayOptions, ProgressMode } from './progress-display.js';
export { progressDisplay } from './progress-display.js';
export { RateLimiter } from './rate-limiter.js';
export type { CopySummaryJson, SummaryContext } from './summary.js';
export { summaryJson, summaryLines } from './summary.js';
export type { CopyCounts, CopyOptions, CopyOutcome, CopyPosition, CopyProgress, CopyResult } from './types.js';
export { DEFAULT_CONCURRENCY, DEFAULT_PAGE_SIZE, DEFAULT_RETRIES } from './types.js';
