/**
 * {@link InstrumentedStore}: a {@link SessionStore} that delegates every call to another and reports each one
 * as a CLIENT span, a duration and an outcome (and, for writes, the payload size).
 *
 * @module
 */
import type { Attributes, Histogram, Span, Tracer } from '@opentelemetry/api';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type {
  ReadOptions,
  ScanOptions,
  ScanPage,
  SessionStore,
  StoreCapabilities,
  StoredSession,
  UserSessionEntry,
} from '@sessionkit/core';
import { ATTR } from './names.js';
import type { StoreOutcome } from './outcome.js';
import { errorType, failureOutcome } from './outcome.js';
import { carriesContext } from './recording.js';

/** Where the backend runs, for the spans' `server.address` and `server.port`, and what to call it. */
export interface StoreServer {
  /** Host name or IP address of the backend (e.g. the Redis host). */
  address?: string;
  /** Its port. */
  port?: number;
  /** `db.system` to report instead of the one derived from the store's name. */
  system?: string;
}

/** What an {@link InstrumentedStore} reports to. */
export interface StoreInstruments {
  tracer: Tracer;
  duration: Histogram;
  payloadSize: Histogram;
  /** Characters of the hashed store key put in span attributes; 0 for none. */
  hashedKeyPrefix: number;
  /** Whether anything would record now (an SDK behind the meter or the tracer); while not, calls go straight through. */
  recording: () => boolean;
}

const OUTCOMES: readonly StoreOutcome[] = ['ok', 'miss', 'conflict', 'timeout', 'unavailable', 'error'];

/** The attributes of one operation: for spans, for the duration by outcome, and for the payload size. */
interface OperationAttributes {
  span: Attributes;
  spanName: string;
  byOutcome: Record<StoreOutcome, Attributes>;
  plain: Attributes;
}

/**
 * A store wrapper with the same name and capabilities as the store it wraps. Each call runs in a CLIENT span
 * started in the active context (so it nests under the request's span) and made active for the wrapped call (so
 * a driver's own spans nest under it); failures are rethrown unchanged, typed as the store threw them. While
 * nothing records (no SDK), each method checks that first and calls the wrapped store directly, allocating
 * nothing, so the wrapper costs one flag check per call.
 */
export class InstrumentedStore implements SessionStore {
  /** The wrapped store. */
  readonly inner: SessionStore;
  readonly name: string;
  readonly capabilities: StoreCapabilities;
  /** Present when the wrapped store has it. */
  readonly scan?: (options?: ScanOptions) => Promise<ScanPage>;
  readonly #instruments: StoreInstruments;
  readonly #operations = new Map<string, OperationAttributes>();
  readonly #base: Attributes;
  readonly #spanServer: Attributes = {};

  constructor(inner: SessionStore, instruments: StoreInstruments, system: string, server: StoreServer = {}) {
    this.inner = inner;
    this.name = inner.name;
    this.capabilities = inner.capabilities;
    this.#instruments = instruments;
    this.#base = { [ATTR.dbSystem]: system };
    if (inner.scan) {
      const scan = inner.scan.bind(inner);
      this.scan = (options) =>
        this.#instruments.recording()
          ? this.#measured('scan', undefined, okOutcome, () => scan(options))
          : scan(options);
    }
    if (server.address !== undefined) this.#spanServer[ATTR.serverAddress] = server.address;
    if (server.port !== undefined) this.#spanServer[ATTR.serverPort] = server.port;
  }

  get(key: string, options?: ReadOptions): Promise<StoredSession | null> {
    if (!this.#instruments.recording()) return this.inner.get(key, options);
    return this.#measured('get', key, foundOutcome, () => this.inner.get(key, options));
  }

  create(key: string, session: StoredSession): Promise<boolean> {
    if (!this.#instruments.recording()) return this.inner.create(key, session);
    this.#recordPayload('create', session);
    return this.#measured('create', key, writtenOutcome, () => this.inner.create(key, session));
  }

  update(key: string, session: StoredSession, expectedVersion: number): Promise<boolean> {
    if (!this.#instruments.recording()) return this.inner.update(key, session, expectedVersion);
    this.#recordPayload('update', session);
    return this.#measured('update', key, writtenOutcome, () => this.inner.update(key, session, expectedVersion));
  }

  touch(key: string, expiresAt: number): Promise<boolean> {
    if (!this.#instruments.recording()) return this.inner.touch(key, expiresAt);
    return this.#measured('touch', key, foundOutcome, () => this.inner.touch(key, expiresAt));
  }

  delete(key: string): Promise<boolean> {
    if (!this.#instruments.recording()) return this.inner.delete(key);
    return this.#measured('delete', key, foundOutcome, () => this.inner.delete(key));
  }

  listByUser(userId: string): Promise<UserSessionEntry[]> {
    if (!this.#instruments.recording()) return this.inner.listByUser(userId);
    return this.#measured('listByUser', undefined, okOutcome, () => this.inner.listByUser(userId));
  }

  deleteByUser(userId: string): Promise<number> {
    if (!this.#instruments.recording()) return this.inner.deleteByUser(userId);
    return this.#measured('deleteByUser', undefined, okOutcome, () => this.inner.deleteByUser(userId));
  }

  /** Closes the wrapped store (not instrumented). */
  close(): Promise<void> {
    return this.inner.close();
  }

  #recordPayload(operation: string, session: StoredSession): void {
    this.#instruments.payloadSize.record(session.data.byteLength, this.#attributes(operation).plain);
  }

  async #measured<R>(
    operation: string,
    key: string | undefined,
    outcomeOf: (result: R) => StoreOutcome,
    call: () => Promise<R>,
  ): Promise<R> {
    const attributes = this.#attributes(operation);
    const { tracer, hashedKeyPrefix } = this.#instruments;
    const parent = context.active();
    const span = tracer.startSpan(attributes.spanName, { kind: SpanKind.CLIENT, attributes: attributes.span }, parent);
    if (hashedKeyPrefix > 0 && key !== undefined) span.setAttribute(ATTR.keyPrefix, key.slice(0, hashedKeyPrefix));
    const started = performance.now();
    try {
      // The API's no-op span (no SDK, no parent) is not made active: nothing would read it.
      const result = await (carriesContext(span) ? context.with(trace.setSpan(parent, span), call) : call());
      this.#end(span, attributes, outcomeOf(result), started);
      return result;
    } catch (error) {
      const outcome = failureOutcome(error);
      const type = errorType(error);
      span.setAttribute(ATTR.errorType, type);
      span.setStatus({ code: SpanStatusCode.ERROR, message: type });
      this.#end(span, attributes, outcome, started);
      throw error;
    }
  }

  #end(span: Span, attributes: OperationAttributes, outcome: StoreOutcome, started: number): void {
    this.#instruments.duration.record((performance.now() - started) / 1000, attributes.byOutcome[outcome]);
    span.setAttribute(ATTR.outcome, outcome);
    span.end();
  }

  /** The attribute sets of `operation`, built once per store and operation so a call allocates none. */
  #attributes(operation: string): OperationAttributes {
    let found = this.#operations.get(operation);
    if (found === undefined) {
      const plain = { ...this.#base, [ATTR.dbOperation]: operation };
      const byOutcome = {} as Record<StoreOutcome, Attributes>;
      for (const outcome of OUTCOMES) byOutcome[outcome] = Object.freeze({ ...plain, [ATTR.outcome]: outcome });
      found = {
        plain,
        byOutcome,
        span: { ...plain, ...this.#spanServer },
        spanName: `${operation} ${String(this.#base[ATTR.dbSystem])}`,
      };
      this.#operations.set(operation, found);
    }
    return found;
  }
}

function okOutcome(): StoreOutcome {
  return 'ok';
}

/** `get`, `touch` and `delete`: a miss when nothing live was found. */
function foundOutcome(result: unknown): StoreOutcome {
  return result === null || result === false ? 'miss' : 'ok';
}

/** `create` and `update`: a lost conditional write is a conflict. */
function writtenOutcome(written: boolean): StoreOutcome {
  return written ? 'ok' : 'conflict';
}
