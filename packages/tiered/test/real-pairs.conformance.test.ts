/**
 * The whole conformance suite on tiered stores built from real servers (from services/): each pair is a fast
 * cache in front of a durable store, exactly as an application would compose them.
 */
import { describeSessionStore } from '@sessionkit/conformance';
import type { TestBackend } from '@sessionkit/test-stores';
import type { TieredStore } from '../src/index.js';
import { openTieredPair } from './real-stores.js';

const pairs: Array<[cache: TestBackend, durable: TestBackend]> = [
  ['memcached', 'dynamodb'],
  ['redis', 'cassandra'],
  ['hazelcast', 'cassandra'],
];

for (const [cache, durable] of pairs) {
  describeSessionStore<TieredStore>(`TieredStore(${cache}+${durable})`, {
    create: ({ prefix }) => openTieredPair(cache, durable, prefix),
    testTimeoutMs: 60_000,
    // Every pair has a durable tier whose own suite runs at timeScale 2 (a Cassandra create is a lightweight
    // transaction, dynalite is slow under load), and a tiered write costs that durable write plus the cache's:
    // at timeScale 1 the expiry windows (300 ms near deadline, 1.2 s short TTL) leave too little room for two
    // tiered writes and a read on a loaded CI machine.
    timeScale: 2,
    skip: {
      'raw-backend': "raw reads are checked by each adapter's own suite; a tier pair adds no backend of its own",
    },
  });
}
