// The whole suite, raw-backend checks included, against a simulated networked backend with coarse native
// TTLs (200 ms units) and an async hop per call: the reference for adapters that have raw-read hooks.
import { describeSessionStore } from '@sessionkit/conformance';
import { SimBackend, SimStore, simRawRead } from './fixtures/sim-store.js';

const backend = new SimBackend(200);

describeSessionStore('SimStore (coarse native TTL)', {
  create: ({ prefix }) => new SimStore(backend, { prefix }),
  rawRead: simRawRead(backend),
});

describeSessionStore('SimStore without a user index', {
  create: ({ prefix }) => new SimStore(new SimBackend(1), { prefix, userIndex: false }),
  skip: {
    'raw-backend': 'covered by the suite above',
    isolation: 'each store gets its own SimBackend here, so isolation is trivially true',
  },
});
