/**
 * The store's access to the cluster: either a client the caller owns, or one the store creates (and
 * re-creates when Hazelcast gave up reconnecting, or when it stays wedged: see {@link Connection.noteFailure}),
 * and the sessions map proxy.
 *
 * @module
 */
import { StoreUnavailableError } from '@sessionkit/core';
import { Client, type ClientConfig, type IMap } from 'hazelcast-client';
import { guardClusterViewListener } from './cluster-view-guard.js';
import { assertSomeMemberListens } from './member-probe.js';
import type { ResolvedOptions } from './options.js';

interface Attached {
  client: Client;
  map: IMap<string, unknown>;
}

/**
 * Builds the configuration of a client the store owns. Our settings win over `clientConfig` where the
 * adapter's guarantees depend on them:
 * - `asyncStart: false`: `connect()` resolves only once a member answered.
 * - `reconnectMode: 'ON'`: after members restart, the client reconnects by itself; calls made while it is
 *   disconnected wait for the connection up to the invocation timeout instead of failing at once.
 * - `clusterConnectTimeoutMillis` bounded: a client that cannot reach any member gives up (Hazelcast then
 *   shuts it down) instead of retrying forever; the store creates a fresh client at the next call.
 * - invocation timeout = the operation deadline: the client stops retrying a call when our deadline (which
 *   already failed the caller with a typed error) has passed, so nothing piles up while the cluster is down.
 */
export function ownedClientConfig(options: ResolvedOptions, onShutdown: () => void): ClientConfig {
  const user = options.clientConfig;
  const config: ClientConfig = {
    ...user,
    clusterName: user.clusterName ?? options.clusterName,
    network: { ...user.network, clusterMembers: user.network?.clusterMembers ?? options.members },
    connectionStrategy: {
      ...user.connectionStrategy,
      asyncStart: false,
      reconnectMode: 'ON' as NonNullable<ClientConfig['connectionStrategy']>['reconnectMode'],
      connectionRetry: {
        initialBackoffMillis: 200,
        maxBackoffMillis: 2_000,
        multiplier: 1.5,
        jitter: 0.2,
        ...user.connectionStrategy?.connectionRetry,
        clusterConnectTimeoutMillis: options.connectTimeoutMs,
      },
    },
    properties: {
      ...user.properties,
      'hazelcast.client.invocation.timeout.millis': options.operationTimeoutMs,
    },
    lifecycleListeners: [
      ...(user.lifecycleListeners ?? []),
      (state: string) => {
        if (state === 'SHUTDOWN') onShutdown();
      },
    ],
  };
  if (options.nearCache) {
    config.nearCaches = {
      ...user.nearCaches,
      [options.mapName]: {
        // Members push invalidations for every change (our own writes invalidate locally at once).
        invalidateOnChange: true,
        inMemoryFormat: 'OBJECT' as never,
        timeToLiveSeconds: options.nearCache.timeToLiveSeconds,
        evictionPolicy: 'LRU' as never,
        evictionMaxSize: options.nearCache.maxEntries,
      },
    };
  }
  return config;
}

/** Hands out the map proxy, creating or re-creating an owned client when needed. */
export class Connection {
  readonly #options: ResolvedOptions;
  readonly #owned: boolean;
  /** Called when members joined the cluster or the client was replaced (what the cluster holds may be new). */
  readonly #onMembersChanged: () => void;
  #attached: Promise<Attached> | undefined;
  /** The settled value of `#attached`, so the hot path needs no extra await. */
  #current: Attached | undefined;
  #closing = false;
  #generation = 0;
  /** When the calls on the attached owned client started failing, all of them (see {@link noteFailure}). */
  #failingSince: number | undefined;
  /** How long every call may fail on an attached owned client before it is replaced. */
  readonly #stallLimitMs: number;

  /**
   * @param options the store's resolved options.
   * @param onMembersChanged called after members joined or an owned client was replaced.
   */
  constructor(options: ResolvedOptions, onMembersChanged: () => void) {
    this.#options = options;
    this.#owned = options.client === undefined;
    this.#onMembersChanged = onMembersChanged;
    this.#stallLimitMs = Math.round(1.5 * options.operationTimeoutMs);
  }

  /** A call on the cluster succeeded: the client works. */
  noteSuccess(): void {
    this.#failingSince = undefined;
  }

  /**
   * A call on the cluster failed. When every call on an owned, connected client has timed out or found the
   * cluster unavailable for longer than 1.5 × `operationTimeoutMs`, the client is shut down and the next call
   * creates a fresh one.
   *
   * Why: hazelcast-client 5.6/5.7 can stay wedged after the whole cluster restarts. Seen here (issue 26) when
   * the restarted members first form two one-member clusters and merge seconds later (split-brain healing):
   * the client keeps the cluster id of the half it reached first and closes every connection to the merged
   * cluster as "Connection does not belong to this cluster", and in other trials it never noticed its
   * connections had died at all; either way every call timed out for as long as the process ran, while a new
   * client connected at once. A client the caller owns is never replaced (it is theirs to manage).
   */
  noteFailure(error: unknown): void {
    if (!this.#owned || this.#closing || this.#current === undefined) return;
    if (!(error instanceof StoreUnavailableError)) return; // a conflict or a bad record says nothing of the client
    const now = performance.now();
    if (this.#failingSince === undefined) {
      this.#failingSince = now;
      return;
    }
    if (now - this.#failingSince < this.#stallLimitMs) return;
    this.#replaceWedged(this.#current.client);
  }

  /** The sessions map, connecting first if needed. */
  async map(): Promise<IMap<string, unknown>> {
    return (await this.#attach()).map;
  }

  /** The sessions map if the connection is already established (no await on the hot path), else undefined. */
  mapNow(): IMap<string, unknown> | undefined {
    return this.#current?.map;
  }

  /** The client in use (connecting first if the store owns it and has none). */
  async client(): Promise<Client> {
    return (await this.#attach()).client;
  }

  /** Shuts down an owned client (waiting for one being created); leaves a given client alone. */
  async close(): Promise<void> {
    this.#closing = true;
    const attached = this.#attached;
    this.#attached = undefined;
    this.#current = undefined;
    if (!this.#owned || attached === undefined) return;
    let client: Client;
    try {
      client = (await attached).client;
    } catch {
      return; // it never connected: nothing to shut down
    }
    await client.shutdown();
  }

  /** Forgets a wedged owned client (the next call creates a new one) and shuts it down in the background. */
  #replaceWedged(client: Client): void {
    this.#generation++; // its SHUTDOWN event must not reset the client that replaces it
    this.#attached = undefined;
    this.#current = undefined;
    this.#failingSince = undefined;
    this.#onMembersChanged();
    // Nothing to report: its pending calls already failed at their deadlines, and a shutdown error changes nothing.
    client.shutdown().catch(() => {});
  }

  #attach(): Promise<Attached> {
    if (this.#attached === undefined) {
      const attempt = this.#owned ? this.#createOwned() : this.#useGiven(this.#options.client as Client);
      this.#attached = attempt;
      attempt.then(
        (attached) => {
          if (this.#attached !== attempt) return;
          this.#current = attached;
          this.#failingSince = undefined;
        },
        () => {
          // Do not cache a failure: the next call tries again (the error reached the caller that waited).
          if (this.#attached === attempt) this.#attached = undefined;
        },
      );
    }
    return this.#attached;
  }

  async #useGiven(client: Client): Promise<Attached> {
    const map = await client.getMap<string, unknown>(this.#options.mapName);
    this.#watchMembers(client);
    return { client, map };
  }

  async #createOwned(): Promise<Attached> {
    const generation = ++this.#generation;
    const config = ownedClientConfig(this.#options, () => {
      // Hazelcast shuts a client down when it could not reconnect within clusterConnectTimeoutMillis.
      // Forget it so the next call creates a new one (unless we are the ones closing it, or it is an older
      // client already replaced).
      if (!this.#closing && this.#generation === generation) {
        this.#attached = undefined;
        this.#current = undefined;
        this.#onMembersChanged();
      }
    });
    // Members found through Hazelcast Cloud discovery have no address to probe before the client starts.
    if (!config.network?.hazelcastCloud?.discoveryToken) {
      await assertSomeMemberListens(config.network?.clusterMembers ?? []);
    }
    const client = await Client.newHazelcastClient(config);
    guardClusterViewListener(client);
    if (this.#closing) {
      await client.shutdown();
      throw new Error('store closed while connecting');
    }
    const map = await client.getMap<string, unknown>(this.#options.mapName);
    this.#watchMembers(client);
    return { client, map };
  }

  #watchMembers(client: Client): void {
    client.getCluster().addMembershipListener({
      memberAdded: () => this.#onMembersChanged(),
      memberRemoved: () => {},
    });
  }
}
