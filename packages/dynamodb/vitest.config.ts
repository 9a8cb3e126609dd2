import { packageTestConfig } from '../../vitest.shared.js';

export default packageTestConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 60_000,
    env: {
      // The AWS SDK warns once per process that releases after January 2027 need Node 22; we pin the SDK.
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    },
  },
});
