/**
 * Bounded fan-out for per-user operations (listing or deleting many sessions of one user).
 *
 * @module
 */

/**
 * Calls `fn` on every item with at most `limit` calls in flight and resolves the results in item order. After
 * a call fails no new call starts; the returned promise rejects with the first error once every call already
 * started has settled, so no request is still running against the backend when the caller sees the failure.
 */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  let failed = false;
  let firstError: unknown;
  const worker = async (): Promise<void> => {
    while (!failed && next < items.length) {
      const index = next++;
      try {
        results[index] = await fn(items[index] as T);
      } catch (error) {
        if (!failed) firstError = error;
        failed = true;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  if (failed) throw firstError;
  return results;
}
