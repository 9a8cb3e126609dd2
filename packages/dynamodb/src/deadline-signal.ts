/**
 * A minimal abort signal for per-call cancellation.
 *
 * Every store operation needs a signal to hand to `client.send(command, { abortSignal })`, so that the
 * request (and the SDK's retry backoff) can be cancelled when the deadline expires. Node's `AbortController`
 * is costly at this rate: each one allocates an EventTarget-backed `AbortSignal`, and profiling the adapter
 * against an in-memory client showed signal creation plus the garbage it leaves as the largest cost of a call
 * (more than marshalling and the deadline timer together). This class implements exactly what the SDK's
 * handlers and retry middleware use — `aborted`, `reason`, `addEventListener` / `removeEventListener` for
 * `'abort'`, and `onabort` — with a plain listener array, and is allocated per call at the cost of a small
 * object.
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

  addEventListener(type: string, listener: Listener, _options?: unknown): void {
    if (type !== 'abort') return;
    (this.#listeners ??= []).push(listener);
  }

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
