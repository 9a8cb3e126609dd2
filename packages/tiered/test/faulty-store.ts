import { MemoryStore, type SessionStore, StoreTimeoutError, StoreUnavailableError } from '@sessionkit/core';

/** How a {@link FaultyStore} answers: normally, by failing at once, or after a deadline (a hung server). */
export type FaultMode = 'up' | 'down' | 'slow';

/**
 * A MemoryStore whose calls can be made to fail, as a dead or hung server would with an adapter that enforces
 * deadlines. A supplement to the real-server tests, for failure orderings a real server cannot be timed into.
 */
export class FaultyStore extends MemoryStore {
  mode: FaultMode = 'up';
  readonly #timeoutMs: number;

  constructor(name: string, timeoutMs = 50) {
    super({ name });
    this.#timeoutMs = timeoutMs;
    for (const method of ['get', 'create', 'update', 'touch', 'delete', 'listByUser', 'deleteByUser'] as const) {
      const original = (this[method] as (...args: unknown[]) => Promise<unknown>).bind(this);
      Object.defineProperty(this, method, {
        value: async (...args: unknown[]) => {
          if (this.mode === 'down')
            throw new StoreUnavailableError('connection refused', { store: name, operation: method });
          if (this.mode === 'slow') {
            await new Promise((resolve) => setTimeout(resolve, this.#timeoutMs));
            throw new StoreTimeoutError(this.#timeoutMs, { store: name, operation: method });
          }
          return original(...args);
        },
      });
    }
  }
}

/** A store whose `get` can be paused, to open a window between a durable read and the cache backfill. */
export function pausableGets(store: SessionStore): { store: SessionStore; pauseNextGet(): () => void } {
  let pending: Promise<void> | undefined;
  const wrapper: SessionStore = {
    name: store.name,
    capabilities: store.capabilities,
    async get(key, options) {
      const result = await store.get(key, options);
      const wait = pending;
      pending = undefined;
      await wait;
      return result;
    },
    create: (key, session) => store.create(key, session),
    update: (key, session, expected) => store.update(key, session, expected),
    touch: (key, expiresAt) => store.touch(key, expiresAt),
    delete: (key) => store.delete(key),
    listByUser: (userId) => store.listByUser(userId),
    deleteByUser: (userId) => store.deleteByUser(userId),
    close: () => store.close(),
  };
  return {
    store: wrapper,
    pauseNextGet() {
      let release!: () => void;
      pending = new Promise((resolve) => (release = resolve));
      return release;
    },
  };
}
