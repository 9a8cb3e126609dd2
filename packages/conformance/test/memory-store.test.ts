// The whole conformance suite against the embedded MemoryStore — and the template for a third-party adapter.
import { describeSessionStore } from '@sessionkit/conformance';
import { MemoryStore } from '@sessionkit/core';

describeSessionStore('MemoryStore', {
  // A fresh store per call. A networked adapter passes `prefix` to its own prefix option.
  create: ({ prefix }) => new MemoryStore({ name: `memory ${prefix}`, maxPayloadBytes: 256 * 1024 }),
  // Every skip states its reason; it is shown in the test name.
  skip: {
    'raw-backend': 'MemoryStore has no backend beneath it: nothing to read raw',
  },
});
