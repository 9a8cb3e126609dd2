/**
 * {@link ClusterInvalidation}: the near cache's invalidation reports on Redis Cluster.
 *
 * Tracking is per server: a master reports changes to the keys of its own slots only. So there is one
 * {@link InvalidationFeed} per master, and the cache is served only while there is a live feed for every
 * master the client currently knows. The master set is re-read whenever ioredis refreshes its slot map
 * (`refresh`, after failovers, MOVED replies and its periodic refresh) or adds / drops a node connection:
 * - a master with no feed gets one (the cache is off until it is live: writes made there before it
 *   subscribed were never reported, so the cache is also cleared);
 * - a feed whose node is no longer a master is closed (its node may still be a replica: replicas report the
 *   changes they receive through replication, but the slot's master is the one that must be followed).
 * Slots moving between masters need nothing more: both ends have feeds, and the new owner reports writes.
 *
 * A store that only reads from its cache sends nothing to Redis, so its client would never notice a failover
 * by itself (ioredis refreshes the slot map on errors and redirections, and periodically only when
 * `slotsRefreshInterval` is set). While a feed is down, the slot map is therefore refreshed every
 * {@link REFRESH_WHILE_OFF_MS}: the promoted replica is found, gets a feed, and the cache turns back on.
 *
 * @module
 */
import type { Cluster, Redis } from 'ioredis';
import type { FeedSettings, Invalidation } from './invalidation.js';
import { InvalidationFeed } from './invalidation.js';
import { reconnectDelay } from './options.js';

/** How often the slot map is refreshed while the cache is off because a feed is down. */
export const REFRESH_WHILE_OFF_MS = 1_000;

/** Invalidation reports from every master of a Cluster. */
export class ClusterInvalidation implements Invalidation {
  readonly #cluster: Cluster;
  readonly #settings: FeedSettings;
  readonly #feeds = new Map<string, InvalidationFeed>();
  readonly #sync = () => this.#syncMasters();
  #live = false;
  #closed = false;
  #refreshTimer: NodeJS.Timeout | undefined;

  constructor(cluster: Cluster, settings: FeedSettings) {
    this.#cluster = cluster;
    this.#settings = settings;
    for (const event of ['refresh', 'ready', '+node', '-node']) cluster.on(event, this.#sync);
    this.#syncMasters();
  }

  get live(): boolean {
    return this.#live;
  }

  close(): void {
    this.#closed = true;
    for (const event of ['refresh', 'ready', '+node', '-node']) this.#cluster.off(event, this.#sync);
    clearTimeout(this.#refreshTimer);
    // Each feed clears the cache as it closes; the cache is only ever filled while every feed is live.
    for (const feed of this.#feeds.values()) feed.close();
    this.#feeds.clear();
    this.#update();
  }

  #syncMasters(): void {
    if (this.#closed) return;
    const masters = new Map<string, Redis>();
    for (const node of this.#cluster.nodes('master')) masters.set(`${node.options.host}:${node.options.port}`, node);
    let changed = false;
    for (const [address, feed] of this.#feeds) {
      if (masters.has(address)) continue;
      feed.close();
      this.#feeds.delete(address);
      changed = true;
    }
    for (const [address, node] of masters) {
      if (this.#feeds.has(address)) continue;
      // Node connections of the Cluster pool do not reconnect by themselves; a feed must, to the same node.
      this.#feeds.set(
        address,
        new InvalidationFeed(node, this.#settings, { retryStrategy: reconnectDelay }, () => this.#update()),
      );
      changed = true;
    }
    if (changed) this.#settings.cache.clear();
    this.#update();
  }

  #update(): void {
    let live = !this.#closed && this.#feeds.size > 0;
    for (const feed of this.#feeds.values()) live &&= feed.live;
    this.#live = live;
    if (!live && !this.#closed && this.#cluster.status === 'ready') this.#refreshSoon();
  }

  #refreshSoon(): void {
    this.#refreshTimer ??= setTimeout(() => {
      this.#refreshTimer = undefined;
      if (this.#closed || this.#live) return;
      // Emits 'refresh' (then #syncMasters runs); if the cache is still off after that, #update asks again.
      this.#cluster.refreshSlotsCache(() => this.#update());
    }, REFRESH_WHILE_OFF_MS);
    this.#refreshTimer.unref();
  }
}
