import memjs from 'memjs';
import { describe, expect, it } from 'vitest';
import { serverControl } from '../src/index.js';

describe('serverControl (fault helpers)', () => {
  it('kills a server and starts it again, healthy', async () => {
    await serverControl.kill('memcached-21213');
    expect((await serverControl.status('memcached-21213'))[0]).toMatchObject({ state: 'down' });

    const client = memjs.Client.create('127.0.0.1:21213', {
      retries: 0,
      timeout: 1,
      conntimeout: 1,
      logger: { log: () => {} },
    });
    try {
      await expect(client.get('k')).rejects.toThrow();
      await serverControl.start('memcached-21213');
      expect((await serverControl.status('memcached-21213'))[0]).toMatchObject({ state: 'up' });
      expect(await client.set('k', 'v', { expires: 5 })).toBe(true);
    } finally {
      client.close();
    }
  });

  it('restarts a cluster node and waits until the cluster is ok again', async () => {
    const before = (await serverControl.status('redis-cluster-17006'))[0]!.pid;
    await serverControl.restart('redis-cluster-17006');
    const after = (await serverControl.status('redis-cluster-17006'))[0]!;
    expect(after.state).toBe('up');
    expect(after.pid).not.toBe(before);
  });

  it('refuses servers that an env override points elsewhere', async () => {
    process.env.SESSIONKIT_REDIS_URL = 'redis://elsewhere:6379';
    try {
      await expect(serverControl.kill('redis')).rejects.toThrow(/SESSIONKIT_REDIS_URL/);
    } finally {
      delete process.env.SESSIONKIT_REDIS_URL;
    }
  });
});
