// Three independent memcached servers (the adapter shards across them by consistent hashing).
import { userInfo } from 'node:os';
import { memcachedAlive } from './net.mjs';

const HOST = '127.0.0.1';

function memcached(port) {
  return {
    name: `memcached-${port}`,
    group: 'memcached',
    host: HOST,
    port,
    endpoint: `${HOST}:${port}`,
    startTimeoutMs: 10_000,
    command: () => ({
      cmd: 'memcached',
      // -u is required when running as root (and ignored otherwise); -U 0 turns UDP off; -m 64 MiB of items.
      args: ['-l', HOST, '-p', String(port), '-U', '0', '-m', '64', '-u', userInfo().username],
    }),
    healthy: () => memcachedAlive(port),
  };
}

export const memcachedGroup = {
  name: 'memcached',
  install: ['apt'],
  servers: [21211, 21212, 21213].map(memcached),
};
