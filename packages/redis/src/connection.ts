/**
 * One ioredis client as the store uses it: whether the store owns it (and so closes it), a wait for the
 * `ready` state, so that no command of the store is ever queued inside ioredis (where it could run after its
 * caller was told it failed), and the failure of the last connection attempt, so that calls fail at once
 * while Redis cannot be reached instead of waiting out their deadline.
 *
 * @module
 */
import { ConfigurationError, StoreClosedError, StoreUnavailableError } from '@sessionkit/core';
import { Cluster, Redis } from 'ioredis';
import { isConnectionFailure } from './errors.js';
import type { ScriptedClient } from './scripts.js';
import { defineScripts } from './scripts.js';

/** A client plus what the store needs to know about it. */
export class Connection {
  /** The client, with the store's scripts defined on it. */
  readonly client: ScriptedClient;
  /** Whether the store created the client (and so closes it); a client passed in is never closed. */
  readonly owned: boolean;
  /** The error of the last connection attempt, if it failed and the client has not been ready since. */
  #failure: Error | undefined;
  /** Settled at the next event a waiter must look at (`ready`, `end`, a failed attempt, close). */
  #change: { promise: Promise<void>; settle: () => void } | undefined;
  #closed = false;

  readonly #onError = (error: Error): void => {
    // Errors of a ready client belong to calls (which fail by themselves); only a connection attempt that
    // failed says that the next calls cannot succeed either.
    if (this.client.status === 'ready' || !isConnectionFailure(error)) return;
    this.#failure = error;
    this.#notify();
  };

  readonly #onReady = (): void => {
    this.#failure = undefined;
    this.#notify();
  };

  readonly #onEnd = (): void => this.#notify();

  constructor(client: Redis | Cluster, owned: boolean) {
    this.client = defineScripts(client);
    this.owned = owned;
    // Why a connection attempt failed only reaches `error` listeners (standalone and Sentinel emit it from
    // the connector, Cluster after no startup node answered); `ready` ends the outage.
    client.on('error', this.#onError);
    client.on('ready', this.#onReady);
    client.on('end', this.#onEnd);
  }

  /**
   * Resolves once the client is ready, starting the connection of a `lazyConnect` client; the caller's deadline
   * bounds the wait (one shared promise, however many calls wait). Rejects at once, with the driver's error,
   * when a connection attempt fails (or failed last), and for an ended or closed client.
   */
  async ready(store: string, operation: string): Promise<void> {
    for (;;) {
      const status = this.client.status;
      if (status === 'ready') return;
      this.#check(store, operation);
      if (status === 'wait') this.client.connect().catch(() => {}); // failures arrive as `error` events
      await this.#nextChange();
    }
  }

  /** Closes the client if the store created it: QUIT (lets in-flight replies arrive), then a hard disconnect. */
  async close(): Promise<void> {
    this.#closed = true;
    this.#notify();
    // An application's client outlives the store: leave it as it was given.
    this.client.off('error', this.#onError);
    this.client.off('ready', this.#onReady);
    this.client.off('end', this.#onEnd);
    if (!this.owned) return;
    try {
      if (this.client.status === 'ready') await this.client.quit();
    } catch {
      // Already disconnected: nothing left to flush.
    } finally {
      this.client.disconnect();
    }
  }

  /** Throws when no command can succeed now: the store was closed, the client ended, or it cannot connect. */
  #check(store: string, operation: string): void {
    if (this.#closed) throw new StoreClosedError({ store, operation });
    const status = this.client.status;
    if (status === 'ready') return;
    if (status === 'end') {
      // 'end' is final (closed, or the retry strategy gave up); 'close' / 'reconnecting' recover by themselves.
      throw new StoreUnavailableError('the Redis client has ended and will not reconnect', {
        store,
        operation,
        cause: this.#failure,
      });
    }
    if (this.#failure !== undefined) throw this.#failure;
  }

  #nextChange(): Promise<void> {
    if (this.#change === undefined) {
      let settle!: () => void;
      const promise = new Promise<void>((resolve) => {
        settle = resolve;
      });
      this.#change = { promise, settle };
    }
    return this.#change.promise;
  }

  #notify(): void {
    const change = this.#change;
    this.#change = undefined;
    change?.settle();
  }
}

/**
 * Returns `value` if it is an ioredis client (standalone or Cluster) of the `ioredis` this package imports;
 * throws {@link ConfigurationError} naming what was expected and what was given otherwise.
 */
export function assertClient(store: string, option: string, value: unknown): Redis | Cluster {
  if (value instanceof Redis || value instanceof Cluster) return value;
  const given = (value as { constructor?: { name?: unknown } } | null | undefined)?.constructor?.name;
  const hint =
    given === 'Redis' || given === 'Cluster'
      ? `got a ${given} from another copy of ioredis: install ioredis once, as the application's own dependency (npm ls ioredis)`
      : `got ${typeof given === 'string' && value !== null && typeof value === 'object' ? `a ${given}` : String(value)}`;
  throw new ConfigurationError(
    `\`${option}\` must be a Redis or Cluster client of the application's ioredis (the peer dependency of @sessionkit/redis); ${hint}`,
    { store },
  );
}
