import { packageTestConfig } from '../../vitest.shared.js';
// The examples read their signing secret from the environment, as a deployed app would.
export default packageTestConfig({
  test: { testTimeout: 60_000, env: { SESSION_SECRET: 'examples-test-secret-0123456789-abcdefghij' } },
});
