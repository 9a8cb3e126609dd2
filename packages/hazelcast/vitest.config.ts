import { packageTestConfig } from '../../vitest.shared.js';

/**
 * Whether an unhandled error is hazelcast-client 5.6 rejecting, at `shutdown()`, an invocation it started for
 * itself. On shutdown the client rejects every pending invocation with `ClientNotActiveError("Client is
 * shutting down.")`; an internal one (near-cache and cluster housekeeping) can be pending without a handler,
 * which surfaces as an unhandled rejection when a test closes its store. Seen once in a CI run of the
 * near-cache conformance suite; every call the store makes is awaited and typed, and each test still asserts
 * its own results. Only this exact rejection, raised from the client's shutdown, is ignored.
 */
function isClientShutdownRejection(error: {
  message?: string;
  stack?: string;
  stacks?: { method?: string }[];
}): boolean {
  if (error.message !== 'Client is shutting down.') return false;
  const frames = error.stack ?? (error.stacks ?? []).map((frame) => frame.method ?? '').join('\n');
  return frames.includes('InvocationService.shutdown');
}

export default packageTestConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    onUnhandledError: (error) =>
      isClientShutdownRejection(error as Parameters<typeof isClientShutdownRejection>[0]) ? false : undefined,
  },
});
