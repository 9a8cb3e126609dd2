/**
 * Observable instruments over the cache statistics stores already keep: a near cache's `NearCacheStats` (the
 * Redis store's `nearCacheStats`, or a `NearCache`'s `stats`) and a `TieredStore`'s `stats` (cache hits and
 * misses, breaker state). Read at each collection; nothing is counted on the request path.
 *
 * @module
 */
import type { Attributes, BatchObservableResult, Meter, ObservableCounter, ObservableGauge } from '@opentelemetry/api';
import type { NearCacheStats } from '@sessionkit/core';
import { ConfigurationError } from '@sessionkit/core';
import { ATTR, METRICS } from './names.js';

/** What a `TieredStore`'s `stats` holds that is reported (read structurally: no dependency on the package). */
export interface TieredStatsLike {
  cacheHits: number;
  cacheMisses: number;
  /** `'closed'`, `'open'` or `'half-open'`. */
  breaker?: string;
}

/** A store or cache whose statistics {@link CacheMetrics.observe} can read. */
export type ObservableCacheSource =
  | { readonly name?: string; readonly nearCacheStats: NearCacheStats }
  | { readonly name?: string; readonly stats: TieredStatsLike | NearCacheStats };

const BREAKER_STATES: Readonly<Record<string, number>> = { closed: 0, open: 1, 'half-open': 2 };

/** One observed source: how to read it, with its attribute sets built once. */
interface Observed {
  read(): { near?: NearCacheStats; tiered?: TieredStatsLike };
  near: { hit: Attributes; miss: Attributes; invalidation: Attributes };
  tiered: { hit: Attributes; miss: Attributes; breaker: Attributes };
}

/** The observable cache instruments of one meter, and the sources they read. */
export class CacheMetrics {
  readonly #lookups: ObservableCounter;
  readonly #invalidations: ObservableCounter;
  readonly #breaker: ObservableGauge;
  readonly #sources = new Set<Observed>();

  constructor(meter: Meter) {
    this.#lookups = meter.createObservableCounter(METRICS.cacheLookups, {
      description: 'Cache lookups of near caches and tiered stores, by result',
    });
    this.#invalidations = meter.createObservableCounter(METRICS.cacheInvalidations, {
      description: 'Near-cache entries invalidated by writes or by the backend',
    });
    this.#breaker = meter.createObservableGauge(METRICS.breakerState, {
      description: "State of the tiered store's cache circuit breaker: 0 closed, 1 open, 2 half-open",
    });
    meter.addBatchObservableCallback(
      (result) => this.#observe(result),
      [this.#lookups, this.#invalidations, this.#breaker],
    );
  }

  /**
   * Starts reading `source`'s statistics at each collection. Throws {@link ConfigurationError} when it keeps
   * none (pass the store itself, not an `instrumentStore` wrapper). Returns a function that stops it.
   */
  observe(source: ObservableCacheSource): () => void {
    const read = reader(source);
    const store = source.name ?? 'unnamed';
    const tag = (extra: Attributes): Attributes => Object.freeze({ [ATTR.store]: store, ...extra });
    const observed: Observed = {
      read,
      near: {
        hit: tag({ [ATTR.cache]: 'near', [ATTR.result]: 'hit' }),
        miss: tag({ [ATTR.cache]: 'near', [ATTR.result]: 'miss' }),
        invalidation: tag({ [ATTR.cache]: 'near' }),
      },
      tiered: {
        hit: tag({ [ATTR.cache]: 'tiered', [ATTR.result]: 'hit' }),
        miss: tag({ [ATTR.cache]: 'tiered', [ATTR.result]: 'miss' }),
        breaker: tag({}),
      },
    };
    this.#sources.add(observed);
    return () => this.#sources.delete(observed);
  }

  #observe(result: BatchObservableResult): void {
    for (const source of this.#sources) {
      const { near, tiered } = source.read();
      if (near) {
        result.observe(this.#lookups, near.hits, source.near.hit);
        result.observe(this.#lookups, near.misses, source.near.miss);
        result.observe(this.#invalidations, near.invalidations, source.near.invalidation);
      }
      if (tiered) {
        result.observe(this.#lookups, tiered.cacheHits, source.tiered.hit);
        result.observe(this.#lookups, tiered.cacheMisses, source.tiered.miss);
        const state = tiered.breaker === undefined ? undefined : BREAKER_STATES[tiered.breaker];
        if (state !== undefined) result.observe(this.#breaker, state, source.tiered.breaker);
      }
    }
  }
}

/** How to read the statistics of `source`, found by their shape. */
function reader(source: ObservableCacheSource): Observed['read'] {
  if ('nearCacheStats' in source) return () => ({ near: source.nearCacheStats });
  if ('stats' in source && typeof source.stats === 'object' && source.stats !== null) {
    if ('cacheHits' in source.stats) return () => ({ tiered: source.stats as TieredStatsLike });
    if ('invalidations' in source.stats) return () => ({ near: source.stats as NearCacheStats });
  }
  throw new ConfigurationError(
    `"${source.name ?? 'this object'}" keeps no cache statistics (nearCacheStats, or TieredStore/NearCache stats)`,
  );
}
