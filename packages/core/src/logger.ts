/**
 * The structured-logging hook of {@link SessionManager}: a pino-compatible subset, so a pino, bunyan or
 * console-backed logger can be passed as is. The manager logs the failures it otherwise reports only as
 * events; log objects carry error codes, store names and operation names, never a session ID or store key.
 *
 * @module
 */
import type { SessionEventEmitter } from './events.js';

/** A log method: a structured object first, then an optional message (pino's calling convention). */
export type LogMethod = (object: Record<string, unknown>, message?: string) => void;

/** The logger the `logger` option of {@link SessionManager} accepts. pino and bunyan loggers fit as they are. */
export interface SessionLogger {
  /** Something was wrong but the manager carried on (a corrupt record read as missing, a rejected conflict). */
  warn: LogMethod;
  /** A store call failed; the typed error is also thrown to the caller. */
  error: LogMethod;
}

/**
 * Subscribes `logger` to the events that report failures: `storeError` (error), `corrupt` and rejected
 * `conflict`s (warn). Returns a function that unsubscribes it.
 */
export function logSessionEvents(events: SessionEventEmitter, logger: SessionLogger): () => void {
  const off = [
    events.on('storeError', ({ operation, error }) =>
      logger.error(
        { operation, store: error.store, code: error.code, err: { type: error.name, message: error.message } },
        'session store call failed',
      ),
    ),
    events.on('corrupt', ({ error }) =>
      logger.warn(
        { type: error instanceof Error ? error.name : typeof error, message: errorMessage(error) },
        'stored session could not be decoded; it reads as missing',
      ),
    ),
    events.on('conflict', ({ keys, attempt, resolution }) => {
      if (resolution === 'rejected') {
        logger.warn({ attributes: keys, attempt }, 'concurrent change rejected a commit (HTTP 409)');
      }
    }),
  ];
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
