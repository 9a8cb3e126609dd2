/**
 * The node checks of {@link redisNodeChecks} run on a list of servers (every Cluster node, or a Sentinel master
 * and its replicas), one connection at a time per server, folded into one line per check. A server that
 * cannot be reached becomes a `redis.connection` warning rather than aborting the other checks: the topology
 * checks already judge what its absence means.
 *
 * @module
 */
import { type CheckResult, errorMessage, warn } from './check.js';
import { mergeNodeResults, type NodeResults } from './merge.js';
import { connectRedis, type RedisServer, serverLabel } from './redis-connection.js';
import { readRedisNodeFacts, redisNodeChecks } from './redis-node.js';

/** Runs the node checks on every server in parallel and merges them. */
export async function checkRedisServers(
  servers: readonly RedisServer[],
  timeoutMs: number,
  how: string,
): Promise<CheckResult[]> {
  const perNode = await Promise.all(
    servers.map(async (server): Promise<NodeResults> => {
      const node = serverLabel(server);
      try {
        const client = await connectRedis(server, timeoutMs);
        try {
          return { node, results: redisNodeChecks(await readRedisNodeFacts(client, Math.floor(Date.now() / 1000))) };
        } finally {
          client.disconnect();
        }
      } catch (error) {
        return {
          node,
          results: [
            warn(
              'redis.connection',
              `cannot check this server (${how}): ${errorMessage(error)}`,
              'make the announced address reachable from here (or run the doctor from a host that can reach it)',
            ),
          ],
        };
      }
    }),
  );
  return mergeNodeResults(perNode);
}
