/**
 * Lifecycle events. Payloads carry store keys (hashes), never raw session IDs, so they are safe to log.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type { ConflictError, SessionKitError } from './errors.js';

/** How a conflict reported by the `conflict` event was settled. */
export type ConflictResolution = 'merged' | 'reapplied' | 'rejected';

/** Every event the manager emits, with its payload. */
export interface SessionEvents {
  /** A new session was stored for the first time. */
  created: { key: string; userId: string | undefined };
  /** A session got a new ID; the old key is dead. */
  regenerated: { previousKey: string; key: string; userId: string | undefined };
  /** A session was destroyed (explicitly, by a logout-everywhere, or by the per-user limit). */
  destroyed: { key: string; reason: 'destroy' | 'user' | 'limit' };
  /** A session was found past its deadline (observed on read; stores purge expired records themselves). */
  expired: { key: string };
  /**
   * A commit met changes another request stored after this one loaded the session (in this process's batch,
   * or after losing a compare-and-set: `attempt` > 1); `keys` lists the attributes both changed outright.
   * `resolution` says how it ended: `'merged'` (3-way merge, decided by the policy), `'reapplied'` (an
   * `update(id, fn)` ran `fn` again on the winner's data) or `'rejected'` (the commit failed with a
   * {@link ConflictError}).
   */
  conflict: { key: string; keys: string[]; attempt: number; resolution: ConflictResolution };
  /** A compare-and-set lost to another writer is about to be tried again (`attempt` ≥ 2), after a backoff. */
  retry: { key: string; attempt: number; operation: 'commit' | 'update' };
  /**
   * A commit of an unchanged session decided on its touch: `written` when the deadline moved far enough to be
   * worth a store write, else throttled (`touchAfter`). The HTTP bindings skip the commit of an unchanged read
   * whose touch is not due, so those throttled touches are not reported.
   */
  touch: { key: string; written: boolean };
  /** A stored record could not be decoded; it reads as missing. */
  corrupt: { key: string; error: unknown };
  /** A store call failed; the error is also thrown to the caller. */
  storeError: { operation: string; error: SessionKitError };
}

/** Name of a {@link SessionEvents} event. */
export type SessionEventName = keyof SessionEvents;

/** A typed wrapper over Node's EventEmitter. Listeners run synchronously; a throwing listener throws to the emitter. */
export class SessionEventEmitter {
  readonly #emitter = new EventEmitter();

  /** Adds a listener. Returns a function that removes it. */
  on<E extends SessionEventName>(event: E, listener: (payload: SessionEvents[E]) => void): () => void {
    this.#emitter.on(event, listener);
    return () => this.#emitter.off(event, listener);
  }

  /** @internal */
  emit<E extends SessionEventName>(event: E, payload: SessionEvents[E]): void {
    this.#emitter.emit(event, payload);
  }
}
