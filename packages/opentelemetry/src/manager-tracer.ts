/**
 * {@link ManagerSpans}: the {@link OperationTracer} that puts each `load`, `commit` and `regenerate` of a
 * `SessionManager` in an INTERNAL span, made active so the store spans of the operation nest under it.
 *
 * @module
 */
import type { Tracer } from '@opentelemetry/api';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { CommitResult, ManagerOperation, OperationTracer } from '@sessionkit/core';
import { ATTR } from './names.js';
import { errorType } from './outcome.js';
import { carriesContext } from './recording.js';

const SPAN_NAMES: Readonly<Record<ManagerOperation, string>> = {
  load: 'sessionkit.load',
  commit: 'sessionkit.commit',
  regenerate: 'sessionkit.regenerate',
};

/** Spans `sessionkit.load`, `sessionkit.commit` (with `sessionkit.commit.status`) and `sessionkit.regenerate`. */
export class ManagerSpans implements OperationTracer {
  readonly #tracer: Tracer;
  readonly #recording: () => boolean;

  /** `recording` says whether `tracer`'s spans can record now; while it says no, operations run unwrapped. */
  constructor(tracer: Tracer, recording: () => boolean) {
    this.#tracer = tracer;
    this.#recording = recording;
  }

  trace<R>(operation: ManagerOperation, run: () => Promise<R>): Promise<R> {
    return this.#recording() ? this.#traced(operation, run) : run();
  }

  async #traced<R>(operation: ManagerOperation, run: () => Promise<R>): Promise<R> {
    const parent = context.active();
    const span = this.#tracer.startSpan(SPAN_NAMES[operation], { kind: SpanKind.INTERNAL }, parent);
    try {
      const result = await (carriesContext(span) ? context.with(trace.setSpan(parent, span), run) : run());
      if (operation === 'commit') span.setAttribute(ATTR.commitStatus, (result as CommitResult).status);
      return result;
    } catch (error) {
      const type = errorType(error);
      span.setAttribute(ATTR.errorType, type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
      throw error;
    } finally {
      span.end();
    }
  }
}
