/**
 * The store backends the express-session bridge is proven on. One array: add an adapter here when it lands.
 */
import { randomBytes } from 'node:crypto';
import type { SessionStore } from '@sessionkit/core';
import { MemoryStore } from '@sessionkit/core';
import { RedisSessionStore } from '@sessionkit/redis';
import { endpoints } from '@sessionkit/test-servers';

/** A backend under test. */
export interface Backend {
  name: string;
  open(): Promise<{ store: SessionStore; close(): Promise<void> }>;
}

export const backends: Backend[] = [
  {
    name: 'memory',
    async open() {
      const store = new MemoryStore();
      return { store, close: () => store.close() };
    },
  },
  {
    name: 'redis',
    async open() {
      const url = new URL(endpoints.redis.url);
      const store = new RedisSessionStore({
        connection: { host: url.hostname, port: Number(url.port) },
        keyPrefix: `test:http:${randomBytes(4).toString('hex')}:`,
      });
      return { store, close: () => store.close() };
    },
  },
];
