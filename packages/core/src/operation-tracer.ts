/**
 * The tracing hook of {@link SessionManager}: a zero-dependency interface that `@sessionkit/opentelemetry`
 * implements (`SessionTelemetry.managerTracer()`), so core needs no tracing library.
 *
 * @module
 */

/** A manager operation an {@link OperationTracer} wraps. */
export type ManagerOperation = 'load' | 'commit' | 'regenerate';

/** Wraps each `load`, `commit` and `regenerate` of a {@link SessionManager}, e.g. in a tracing span. */
export interface OperationTracer {
  /**
   * Runs `run` as `operation` and resolves or rejects exactly as it does. Called synchronously by the manager;
   * store calls made by `run` happen inside it, so spans they start can nest under the operation's.
   */
  trace<R>(operation: ManagerOperation, run: () => Promise<R>): Promise<R>;
}
