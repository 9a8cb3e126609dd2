/**
 * A minimal abort signal for per-call cancellation: what the AWS SDK's handlers and retry middleware read from
 * `client.send(command, { abortSignal })` (`aborted`, `reason`, `addEventListener` / `removeEventListener` for
 * `'abort'`, `onabort`), with a plain listener array. Used instead of Node's `AbortController`, which costs more
 * per call than the rest of the adapter (measurements: docs/dynamodb.md, "Measured").
 *
 * @module
 */

type Listener = (event: { type: 'abort' }) => void;

/** A signal that is aborted at most once, by its owner. Structurally compatible with what the AWS SDK reads. */
export class DeadlineSignal {
  /** Whether {@link abort} was called. */
  aborted = false;
  /** What {@link abort} was called with. */
  reason: unknown = undefined;
  /** Single-handler form some SDK code paths use when `addEventListener` is missing (it is not, here). */
  onabort: Listener | null = null;
  #listeners: Listener[] | undefined;

  /** Registers an `'abort'` listener (other event types never fire and are ignored). */
  addEventListener(type: string, listener: Listener, _options?: unknown): void {
    if (type !== 'abort') return;
    (this.#listeners ??= []).push(listener);
  }

  /** Removes an `'abort'` listener registered before. */
  removeEventListener(type: string, listener: Listener): void {
    if (type !== 'abort' || !this.#listeners) return;
    const index = this.#listeners.indexOf(listener);
    if (index >= 0) this.#listeners.splice(index, 1);
  }

  /** Aborts once: sets `aborted`/`reason` and calls every listener (each only once). */
  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    const listeners = this.#listeners ?? [];
    this.#listeners = undefined;
    const event = { type: 'abort' as const };
    for (const listener of listeners) {
      try {
        listener(event);
      } catch {
        // A listener's own failure must not stop the others (EventTarget semantics report and continue).
      }
    }
    try {
      this.onabort?.(event);
    } catch {
      // As above.
    }
  }
}
