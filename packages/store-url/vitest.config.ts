import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig({ test: { testTimeout: 60_000, hookTimeout: 120_000 } });
