/**
 * Opening the store a command's `<url>` names: through `@sessionkit/store-url`, as it is (no schema or table is
 * ever created implicitly: that is `sessionkit schema --apply`), and always closed afterwards.
 *
 * @module
 */
import type { SessionStore } from '@sessionkit/core';
import type { StoreSpec } from '@sessionkit/store-url';
import { openStore, parseStoreUrl } from '@sessionkit/store-url';

/**
 * Parses `url`, opens its store without provisioning, runs `body`, and closes the store whatever happened.
 * A failure to close is reported only when `body` succeeded (otherwise `body`'s error is the one that matters).
 */
export async function withStore<T>(
  url: string,
  body: (store: SessionStore, spec: StoreSpec) => Promise<T>,
): Promise<T> {
  const spec = parseStoreUrl(url);
  const store = await openStore(spec, { provision: false });
  let result: T;
  try {
    result = await body(store, spec);
  } catch (error) {
    await store.close().catch(() => undefined);
    throw error;
  }
  await store.close();
  return result;
}
