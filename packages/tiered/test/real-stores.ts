/** Tiered stores on the real test servers (from services/), shared by the suites of this package. */
import { openTestStore, type TestBackend } from '@sessionkit/test-stores';
import { TieredStore, type TieredStoreOptions } from '../src/index.js';

/** A tiered store of two test backends, each with the given prefix. */
export async function openTieredPair(
  cache: TestBackend,
  durable: TestBackend,
  prefix: string,
  options: Partial<TieredStoreOptions> & { cacheTimeoutMs?: number; durableTimeoutMs?: number } = {},
): Promise<TieredStore> {
  const { cacheTimeoutMs = 2_000, durableTimeoutMs = 10_000, ...tiered } = options;
  return new TieredStore({
    name: `tiered(${cache}+${durable}) ${prefix}`,
    ...tiered,
    cache: await openTestStore(cache, { prefix, operationTimeoutMs: cacheTimeoutMs }),
    durable: await openTestStore(durable, { prefix, operationTimeoutMs: durableTimeoutMs }),
  });
}
