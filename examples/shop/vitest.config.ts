import { packageTestConfig } from '../../vitest.shared.js';
export default packageTestConfig({ test: { testTimeout: 120_000, hookTimeout: 180_000 } });
