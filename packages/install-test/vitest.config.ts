import { packageTestConfig } from '../../vitest.shared.js';

// The install (npm install of every tarball and driver) runs once per file in beforeAll; the scratch app's own
// commands have their own timeouts inside the tests.
export default packageTestConfig({ test: { testTimeout: 10 * 60_000, hookTimeout: 12 * 60_000 } });
