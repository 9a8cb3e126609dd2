/**
 * The store backends the express-session bridge is proven on: every adapter on the real test servers, plus a
 * tiered pair. One array: add a backend here and the bridge suite runs on it.
 */
import { randomBytes } from 'node:crypto';
import type { SessionStore } from '@sessionkit/core';
import { openTestStore, TEST_BACKENDS } from '@sessionkit/test-stores';
import { TieredStore } from '@sessionkit/tiered';

/** A backend under test. */
export interface Backend {
  name: string;
  /** Opens a store; `prefix` defaults to a fresh one (processes that must share sessions pass the same). */
  open(options?: { prefix?: string }): Promise<{ store: SessionStore; close(): Promise<void> }>;
}

const prefix = () => `test:http:${randomBytes(4).toString('hex')}:`;

export const backends: Backend[] = [
  ...TEST_BACKENDS.map((name) => ({
    name,
    async open(options: { prefix?: string } = {}) {
      const store = await openTestStore(name, { prefix: options.prefix ?? prefix() });
      return { store, close: () => store.close() };
    },
  })),
  {
    name: 'tiered(redis+cassandra)',
    async open(options: { prefix?: string } = {}) {
      const p = options.prefix ?? prefix();
      const store = new TieredStore({
        cache: await openTestStore('redis', { prefix: p }),
        durable: await openTestStore('cassandra', { prefix: p }),
      });
      return { store, close: () => store.close() };
    },
  },
];
