/**
 * Loading the adapter packages, which are optional peer dependencies: each is imported only when a URL names
 * its backend, and a missing one becomes an {@link AdapterNotInstalledError} naming the package to install.
 *
 * @module
 */
import { AdapterNotInstalledError } from './errors.js';

/** The adapter package of each backend a store URL can name. */
export const ADAPTER_PACKAGES = {
  redis: '@sessionkit/redis',
  memcached: '@sessionkit/memcached',
  cassandra: '@sessionkit/cassandra',
  dynamodb: '@sessionkit/dynamodb',
  hazelcast: '@sessionkit/hazelcast',
  tiered: '@sessionkit/tiered',
} as const;

/** A backend with an adapter package. */
export type AdapterBackend = keyof typeof ADAPTER_PACKAGES;

/**
 * Runs `load` (a literal `import('<package>')`, kept literal so bundlers see it) and turns "module not found"
 * for that package into {@link AdapterNotInstalledError}. Any other failure (a broken install, a missing
 * dependency of the adapter itself) is rethrown as is.
 */
export async function importAdapter<T>(backend: AdapterBackend, load: () => Promise<T>): Promise<T> {
  const packageName = ADAPTER_PACKAGES[backend];
  try {
    return await load();
  } catch (error) {
    if (isMissing(error, packageName)) throw new AdapterNotInstalledError(packageName, backend, error);
    throw error;
  }
}

function isMissing(error: unknown, packageName: string): boolean {
  const e = error as { code?: unknown; message?: unknown } | null;
  // Node's ESM loader says ERR_MODULE_NOT_FOUND ("Cannot find package '<name>' imported from ..."); require
  // says MODULE_NOT_FOUND. Only a miss of the adapter itself counts, not of one of its own dependencies.
  return (
    (e?.code === 'ERR_MODULE_NOT_FOUND' || e?.code === 'MODULE_NOT_FOUND') &&
    typeof e.message === 'string' &&
    e.message.includes(`'${packageName}'`)
  );
}
