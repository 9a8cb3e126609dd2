/**
 * `sessionkit doctor hazelcast://...`: cluster size, and the sessions map's effective config on every member
 * (read with Management Center's `getMapConfig` request, see hazelcast-map-config.ts): synchronous backups,
 * no eviction, and the map-level TTL / max-idle that purges an entry whose `setTtl` never came.
 *
 * That safety net exists because of the store's update path (docs/hazelcast.md, "TTL quirks" 3): the Node
 * client's `replaceIfSame` takes no TTL and the member resets the entry's TTL to the map default on replace,
 * so the store calls `setTtl` right after. If the process dies (or `setTtl` fails) between the two calls, the
 * entry keeps the map's default TTL — forever unless the map sets `time-to-live-seconds` (or
 * `max-idle-seconds`). Reads still hide it after its deadline; only the memory is at stake.
 *
 * @module
 */
import { StoreUnavailableError } from '@sessionkit/core';
import { Client } from 'hazelcast-client';
import { type CheckResult, errorMessage, fail, pass, warn } from './check.js';
import { formatSeconds } from './format.js';
import { EVICTION_POLICIES, MAX_SIZE_POLICIES, type MapConfigFacts, readMapConfig } from './hazelcast-map-config.js';
import { mergeNodeResults, type NodeResults } from './merge.js';

/** Where and what to check. */
export interface HazelcastTarget {
  members: Array<{ host: string; port: number }>;
  clusterName: string;
  /** The sessions map (`@sessionkit/hazelcast`'s `mapName`, default `sessionkit-sessions`). */
  mapName: string;
  /** The application's absolute session timeout, in seconds. */
  maxSessionAgeSeconds: number;
}

/** `hazelcast.members`: how many members can hold copies. */
export function membersCheck(count: number): CheckResult {
  const id = 'hazelcast.members';
  if (count >= 2) return pass(id, `${count} members in the cluster.`);
  return warn(
    id,
    'one member: it holds every session with no other member for backups, so its crash or restart logs everyone out.',
    'run at least 2 members (3 for split-brain protection with a majority)',
  );
}

/** `hazelcast.backups`: synchronous backups of the sessions map. */
export function backupsCheck(c: MapConfigFacts): CheckResult {
  const id = 'hazelcast.backups';
  const fix = 'set backup-count: 1 (synchronous) and async-backup-count: 0 on the sessions map in the member config';
  if (c.backupCount >= 1) {
    return pass(id, `backup-count ${c.backupCount} (synchronous), async-backup-count ${c.asyncBackupCount}.`);
  }
  if (c.asyncBackupCount >= 1) {
    return warn(
      id,
      `backup-count 0, async-backup-count ${c.asyncBackupCount}: a write is acknowledged before its backup, so a member crash can lose the last sessions written (logged out) or bring back an older version.`,
      fix,
    );
  }
  return fail(
    id,
    'backup-count 0 and async-backup-count 0: no copy of any session exists, so a member crash logs out everyone whose session it owned.',
    fix,
  );
}

/** `hazelcast.eviction`: the sessions map must never evict entries to stay under a size. */
export function evictionCheck(c: MapConfigFacts): CheckResult {
  const id = 'hazelcast.eviction';
  const policy = EVICTION_POLICIES[c.evictionPolicy] ?? `#${c.evictionPolicy}`;
  if (policy === 'NONE') return pass(id, 'eviction-policy NONE: live sessions are never evicted.');
  const size = `max-size ${c.maxSize} ${MAX_SIZE_POLICIES[c.maxSizePolicy] ?? `#${c.maxSizePolicy}`}`;
  return fail(
    id,
    `eviction-policy ${policy} (${size}): once the map reaches its size the member evicts entries, i.e. live sessions (users logged out early).`,
    'set eviction-policy: NONE on the sessions map and size the cluster for the peak number of sessions',
  );
}

/** `hazelcast.safety-net`: a map-level TTL or max-idle that ends an entry whose `setTtl` never came. */
export function safetyNetCheck(c: MapConfigFacts, maxSessionAgeSeconds: number): CheckResult {
  const id = 'hazelcast.safety-net';
  const ttl = c.timeToLiveSeconds;
  const idle = c.maxIdleSeconds;
  if (ttl > 0) {
    const note =
      ttl < maxSessionAgeSeconds
        ? ` (shorter than the longest session, ${formatSeconds(maxSessionAgeSeconds)}: such an entry may end before its session deadline — harmless for every other entry, whose TTL the store sets explicitly)`
        : '';
    return pass(
      id,
      `time-to-live-seconds ${ttl} (${formatSeconds(ttl)}): an entry left without its TTL (process died between replaceIfSame and setTtl) is purged after at most that${note}.`,
    );
  }
  if (idle > 0) {
    return pass(
      id,
      `max-idle-seconds ${idle} (${formatSeconds(idle)}): an entry left without its TTL is purged once unread that long. It applies to every session: keep it at least the idle timeout, or a session unread that long ends early.`,
    );
  }
  return warn(
    id,
    'no time-to-live-seconds or max-idle-seconds on the map: if a process dies between replaceIfSame and setTtl, that entry is never purged (it stays invisible to reads after its deadline, but uses memory until deleted).',
    `set time-to-live-seconds: ${maxSessionAgeSeconds} (the absolute session timeout) on the sessions map in the member config`,
  );
}

/** Runs the Hazelcast checks. @throws {StoreUnavailableError} when no member accepts the client. */
export async function doctorHazelcast(t: HazelcastTarget, timeoutMs: number): Promise<CheckResult[]> {
  let client: Client;
  try {
    client = await Client.newHazelcastClient({
      clusterName: t.clusterName,
      network: { clusterMembers: t.members.map((m) => `${m.host}:${m.port}`), connectionTimeout: timeoutMs },
      connectionStrategy: { connectionRetry: { clusterConnectTimeoutMillis: timeoutMs } },
      // The client's default logger writes to stdout, which would corrupt --json; every failure it would log
      // also rejects newHazelcastClient or the call, and is reported from there.
      properties: { 'hazelcast.logging.level': 'OFF', 'hazelcast.client.statistics.enabled': false },
    });
  } catch (error) {
    throw new StoreUnavailableError(`cannot join Hazelcast cluster "${t.clusterName}": ${errorMessage(error)}`, {
      store: 'hazelcast',
      operation: 'doctor',
      cause: error,
    });
  }
  try {
    const members = client.getCluster().getMembers();
    const perMember: NodeResults[] = await Promise.all(
      members.map(async (member): Promise<NodeResults> => {
        const node = member.address.toString();
        try {
          const config = await readMapConfig(client, member.uuid, t.mapName);
          return {
            node,
            results: [backupsCheck(config), evictionCheck(config), safetyNetCheck(config, t.maxSessionAgeSeconds)],
          };
        } catch (error) {
          const reason = `cannot verify: the member refused to report the config of map "${t.mapName}" (${errorMessage(error)})`;
          const fix =
            "allow the Management Center request from this host (management-center trusted-interfaces), or check the map config in the member's hazelcast.yaml";
          return {
            node,
            results: [
              warn('hazelcast.backups', `${reason}.`, fix),
              warn('hazelcast.eviction', `${reason}.`, fix),
              warn('hazelcast.safety-net', `${reason}.`, fix),
            ],
          };
        }
      }),
    );
    return [membersCheck(members.length), ...mergeNodeResults(perMember, 'members')];
  } finally {
    await client.shutdown();
  }
}
