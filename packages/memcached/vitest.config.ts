import { packageTestConfig } from '../../vitest.shared.js';

// Real servers, 1 s TTL granularity and fault injection: generous timeouts.
export default packageTestConfig({ test: { testTimeout: 60_000, hookTimeout: 60_000 } });
