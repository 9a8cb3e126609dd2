/**
 * One ioredis client as the store uses it: whether the store owns it (and so closes it), and a wait for the
 * `ready` state that never queues a command inside ioredis.
 *
 * @module
 */
import { StoreUnavailableError } from '@sessionkit/core';
import { Cluster, Redis } from 'ioredis';
import type { ScriptedClient } from './scripts.js';
import { defineScripts } from './scripts.js';

/** A client plus what the store needs to know about it. */
export class Connection {
  readonly client: ScriptedClient;
  readonly owned: boolean;
  readonly #queuesOffline: boolean;
  #readyWait: Promise<void> | undefined;

  constructor(client: Redis | Cluster, owned: boolean) {
    this.client = defineScripts(client);
    this.owned = owned;
    // A client with the offline queue on (the ioredis default, e.g. a client the application passed in)
    // buffers commands itself while disconnected; one without it rejects them at once, so the store waits
    // for `ready` first (bounded by the call's deadline).
    this.#queuesOffline = (client.options as { enableOfflineQueue?: boolean }).enableOfflineQueue !== false;
  }

  /** Whether this is a Cluster client. */
  get isCluster(): boolean {
    return this.client instanceof Cluster;
  }

  /**
   * Resolves once a command can be sent. While the client reconnects this waits for its next `ready` event
   * (one shared listener, however many calls wait); the caller's deadline bounds the wait.
   */
  ready(store: string, operation: string): Promise<void> | undefined {
    const status = this.client.status;
    if (status === 'ready') return undefined;
    if (status === 'end') {
      // 'end' is final (closed, or the retry strategy gave up); 'close' / 'reconnecting' recover by themselves.
      return Promise.reject(
        new StoreUnavailableError('the Redis client has ended and will not reconnect', { store, operation }),
      );
    }
    if (this.#queuesOffline) return undefined;
    if (status === 'wait') {
      // lazyConnect: start connecting; failures surface as the deadline or the command's own error.
      this.client.connect().catch(() => {});
    }
    this.#readyWait ??= new Promise<void>((resolve) => {
      this.client.once('ready', () => {
        this.#readyWait = undefined;
        resolve();
      });
    });
    return this.#readyWait;
  }

  /** Closes the client if the store created it: QUIT (lets in-flight replies arrive), then a hard disconnect. */
  async close(): Promise<void> {
    if (!this.owned) return;
    try {
      if (this.client.status === 'ready') await this.client.quit();
    } catch {
      // Already disconnected: nothing left to flush.
    } finally {
      this.client.disconnect();
    }
  }
}

/** Whether a value is an ioredis client (standalone or Cluster). */
export function isClient(value: unknown): value is Redis | Cluster {
  return value instanceof Redis || value instanceof Cluster;
}
