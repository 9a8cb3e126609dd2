/**
 * Lifecycle events. Payloads carry store keys (hashes), never raw session IDs, so they are safe to log.
 *
 * @module
 */
import { EventEmitter } from 'node:events';
import type { SessionKitError } from './errors.js';

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
   * A commit was merged over changes another request stored after this one loaded the session (in this
   * process's batch, or after losing a compare-and-set: `attempt` > 1); `keys` lists the attributes both
   * changed outright (resolved by the policy, or rejected).
   */
  conflict: { key: string; keys: string[]; attempt: number };
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
