import type { SessionStore } from '../src/index.js';

/** Wraps a store and counts calls per method, so tests can prove what reached the backend. */
export function countingStore(inner: SessionStore): SessionStore & { calls: Record<string, number>; writes(): number } {
  const calls: Record<string, number> = {};
  const wrapper = Object.create(inner) as SessionStore & { calls: Record<string, number>; writes(): number };
  for (const method of ['get', 'create', 'update', 'touch', 'delete', 'listByUser', 'deleteByUser'] as const) {
    const original = (inner[method] as (...args: unknown[]) => Promise<unknown>).bind(inner);
    Object.defineProperty(wrapper, method, {
      value: (...args: unknown[]) => {
        calls[method] = (calls[method] ?? 0) + 1;
        return original(...args);
      },
    });
  }
  Object.defineProperty(wrapper, 'calls', { value: calls });
  Object.defineProperty(wrapper, 'writes', {
    value: () => (calls.create ?? 0) + (calls.update ?? 0) + (calls.touch ?? 0) + (calls.delete ?? 0),
  });
  return wrapper;
}

/** `inner` with some methods replaced (the others bound to `inner`, so private fields keep working). */
export function overriding(
  inner: SessionStore,
  methods: Partial<Pick<SessionStore, 'get' | 'create' | 'update' | 'touch' | 'delete'>>,
): SessionStore {
  const wrapper = Object.create(inner) as SessionStore;
  for (const method of ['get', 'create', 'update', 'touch', 'delete', 'listByUser', 'deleteByUser'] as const) {
    const own = methods[method as keyof typeof methods];
    Object.defineProperty(wrapper, method, {
      value: own ?? (inner[method] as (...args: unknown[]) => unknown).bind(inner),
    });
  }
  return wrapper;
}
