/**
 * `sessionkit doctor redis://...`: one standalone server — eviction policy, memory, persistence, replication.
 *
 * @module
 */
import type { CheckResult } from './check.js';
import { connectRedis, type RedisServer } from './redis-connection.js';
import { readRedisNodeFacts, redisNodeChecks } from './redis-node.js';
import { readReplication, replicationCheck } from './redis-replication.js';

/** Runs the standalone checks. @throws {StoreUnavailableError} when the server cannot be reached. */
export async function doctorRedis(server: RedisServer, timeoutMs: number): Promise<CheckResult[]> {
  const client = await connectRedis(server, timeoutMs);
  try {
    const facts = await readRedisNodeFacts(client, Math.floor(Date.now() / 1000));
    const replication = await readReplication(client);
    return [...redisNodeChecks(facts), replicationCheck(replication, false)];
  } finally {
    client.disconnect();
  }
}
