import { endpoints } from '@sessionkit/test-servers';
import { Client } from 'hazelcast-client';
import { HazelcastSessionStore, type HazelcastSessionStoreOptions } from '../src/index.js';

/** The map every test uses (each test store gets its own prefix). */
export const TEST_MAP = 'sessionkit-test-sessions';

/** Client settings for tests: quiet logs (connection warnings are expected in fault tests). */
export const quietClientConfig = { properties: { 'hazelcast.logging.level': 'ERROR' } };

/** A store created and connected (closed again if connecting fails). */
export async function connectStore(options: HazelcastSessionStoreOptions): Promise<HazelcastSessionStore> {
  const store = new HazelcastSessionStore(options);
  try {
    await store.connect();
  } catch (error) {
    await store.close();
    throw error;
  }
  return store;
}

/** A store with its own client on the test cluster. */
export function openStore(options: HazelcastSessionStoreOptions = {}): Promise<HazelcastSessionStore> {
  const { members, clusterName } = endpoints.hazelcast;
  return connectStore({
    members,
    clusterName,
    mapName: TEST_MAP,
    clientConfig: quietClientConfig,
    ...options,
  });
}

/** A plain client on the test cluster (the caller shuts it down). */
export function openClient(): Promise<Client> {
  const { members, clusterName } = endpoints.hazelcast;
  return Client.newHazelcastClient({
    clusterName,
    network: { clusterMembers: members },
    ...quietClientConfig,
  });
}

/** Unique prefix per test. */
export function uniquePrefix(tag: string): string {
  return `t-${tag}-${Math.random().toString(36).slice(2, 10)}:`;
}
