/**
 * The whole conformance suite on tiered stores built from real servers (from services/): each pair is a fast
 * cache in front of a durable store, exactly as an application would compose them.
 */
import { describeSessionStore } from '@sessionkit/conformance';
import type { TieredStore } from '../src/index.js';
import { memcachedOverDynamo, redisOverCassandra } from './real-stores.js';

describeSessionStore<TieredStore>('TieredStore(Memcached+DynamoDB)', {
  create: ({ prefix }) => memcachedOverDynamo(prefix),
  testTimeoutMs: 60_000,
  skip: { 'raw-backend': 'raw reads are checked by each adapter\'s own suite; a tier pair adds no backend of its own' },
});

describeSessionStore<TieredStore>('TieredStore(Redis+Cassandra)', {
  create: ({ prefix }) => redisOverCassandra(prefix),
  testTimeoutMs: 60_000,
  skip: { 'raw-backend': 'raw reads are checked by each adapter\'s own suite; a tier pair adds no backend of its own' },
});
