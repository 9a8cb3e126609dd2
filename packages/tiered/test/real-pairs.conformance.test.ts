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
    skip: { 'raw-backend': "raw reads are checked by each adapter's own suite; a tier pair adds no backend of its own" },
  });
}
