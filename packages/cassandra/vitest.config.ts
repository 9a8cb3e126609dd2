import { packageTestConfig } from '../../vitest.shared.js';

// Restarting a Cassandra node takes 10-60 s.
export default packageTestConfig({ test: { testTimeout: 60_000, hookTimeout: 240_000 } });
