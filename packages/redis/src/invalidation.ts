/**
 * {@link InvalidationFeed}: keeps the store's near cache coherent with Redis through server-assisted
 * client-side caching (`CLIENT TRACKING`, Redis 6+), in broadcasting mode.
 *
 * One extra connection per store:
 * 1. `CLIENT ID`, then `CLIENT TRACKING on REDIRECT <its own id> BCAST PREFIX <keyPrefix>`: the server
 *    reports every change to a key under the prefix (writes, deletes, TTL changes, expiry, eviction) to this
 *    connection. Broadcasting mode keeps no per-key state on the server, so the cache costs the server
 *    nothing per cached session (default tracking mode would remember every key every client ever read).
 * 2. `SUBSCRIBE __redis__:invalidate`: with RESP2 the reports arrive as messages on that channel, each
 *    carrying an array of keys, or nil for a FLUSHDB / FLUSHALL. The connection uses RESP2 on purpose:
 *    ioredis 6 speaks RESP3 by default, and drops the `invalidate` push frames RESP3 would deliver instead.
 *    A connection in RESP2 subscriber mode accepts no `CLIENT` commands, hence the order above, redone on
 *    every reconnect with the new connection's id (so `autoResubscribe` is off).
 *
 * The cache is served only while the feed is live. When the connection closes, whatever the reason, the
 * cache is cleared (reports may have been lost) and stays bypassed until the next connection has tracking
 * on and is subscribed. What this cannot see is a connection that dies silently (no FIN, no error): the
 * cache's `maxAgeMs` bounds how long an entry is served then.
 *
 * @module
 */
import type { NearCache } from '@sessionkit/core';
import type { Redis, RedisOptions } from 'ioredis';

/** The channel RESP2 clients receive tracking reports on. */
const INVALIDATE_CHANNEL = '__redis__:invalidate';

/** What the store needs from its source of invalidation reports (one feed, or one per Cluster master). */
export interface Invalidation {
  /** Whether reports are flowing, i.e. whether the cache may be served. */
  readonly live: boolean;
  /** Stops the reports (the cache is cleared and no longer served). */
  close(): void;
}

/** Settings shared by every feed of a store. */
export interface FeedSettings {
  /** The store's name (names the connection, tags nothing else). */
  storeName: string;
  /** The store's key prefix: reports are asked for keys under it. */
  prefix: string;
  cache: NearCache;
  onError: (error: Error) => void;
}

/** Feeds Redis's key-change reports for one key prefix, from one server, into a {@link NearCache}. */
export class InvalidationFeed implements Invalidation {
  readonly #client: Redis;
  readonly #cache: NearCache;
  readonly #prefix: string;
  readonly #onError: (error: Error) => void;
  readonly #onLiveChange: (() => void) | undefined;
  #live = false;
  /** Bumped on every disconnect, so a setup that straddles one never marks the new connection live. */
  #generation = 0;

  /**
   * @param source a client of the server to follow: the feed opens a duplicate of it (same server, Sentinel
   *   group and credentials), speaking RESP2.
   * @param overrides extra connection settings (Cluster node connections do not reconnect by themselves).
   * @param onLiveChange called whenever {@link live} may have changed.
   */
  constructor(source: Redis, settings: FeedSettings, overrides: Partial<RedisOptions> = {}, onLiveChange?: () => void) {
    const { storeName } = settings;
    this.#cache = settings.cache;
    this.#prefix = settings.prefix;
    this.#onError = settings.onError;
    this.#onLiveChange = onLiveChange;
    this.#client = source.duplicate({
      ...overrides,
      protocol: 2,
      autoResubscribe: false,
      enableAutoPipelining: false,
      lazyConnect: false,
      // Shows up in CLIENT LIST, so operators can tell these connections apart (no spaces allowed).
      connectionName: `${storeName}:invalidation`.replace(/\s/g, '_'),
    });
    this.#client.on('error', this.#onError);
    this.#client.on('ready', () => void this.#start());
    this.#client.on('close', () => this.#lost());
    this.#client.on('messageBuffer', (channel: Buffer, message: unknown) => this.#report(channel, message));
  }

  /** Whether reports are flowing, i.e. whether the cache may be served. */
  get live(): boolean {
    return this.#live;
  }

  /** Closes the feed's connection (the cache is cleared and no longer served). */
  close(): void {
    this.#lost();
    this.#client.disconnect();
  }

  async #start(): Promise<void> {
    const generation = this.#generation;
    try {
      const id = await this.#client.client('ID');
      await this.#client.call('CLIENT', 'TRACKING', 'on', 'REDIRECT', String(id), 'BCAST', 'PREFIX', this.#prefix);
      await this.#client.subscribe(INVALIDATE_CHANNEL);
    } catch (error) {
      // E.g. a server older than 6.0 or an ACL without CLIENT: the cache stays bypassed, reads go to Redis.
      this.#onError(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (generation !== this.#generation) return;
    this.#live = true;
    this.#onLiveChange?.();
  }

  #lost(): void {
    this.#live = false;
    this.#generation++;
    this.#cache.clear();
    this.#onLiveChange?.();
  }

  #report(channel: Buffer, message: unknown): void {
    if (channel.toString() !== INVALIDATE_CHANNEL) return;
    if (Array.isArray(message)) {
      for (const key of message as Buffer[]) this.#cache.invalidate(key.toString());
    } else {
      this.#cache.clear(); // nil: the database was flushed
    }
  }
}
