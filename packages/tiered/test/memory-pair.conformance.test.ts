// The whole conformance suite on a tiered store of two MemoryStores.
import { describeSessionStore } from '@sessionkit/conformance';
import { MemoryStore } from '@sessionkit/core';
import { TieredStore } from '../src/index.js';

describeSessionStore('TieredStore(Memory+Memory)', {
  create: ({ prefix }) =>
    new TieredStore({
      name: `tiered ${prefix}`,
      cache: new MemoryStore({ name: 'cache', maxPayloadBytes: 256 * 1024 }),
      durable: new MemoryStore({ name: 'durable', maxPayloadBytes: 256 * 1024 }),
    }),
  skip: { 'raw-backend': 'two in-process MemoryStores: no backend beneath them to read raw' },
});
