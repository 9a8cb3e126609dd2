/**
 * The checks every Redis server holding sessions gets, whatever its topology: eviction policy, memory
 * headroom and persistence. Facts are gathered once per server ({@link readRedisNodeFacts}); the verdicts
 * are pure functions of them, so the same rules apply to a standalone server, each Cluster node and each
 * Sentinel-managed server.
 *
 * What the adapter writes decides the eviction verdicts: every key `@sessionkit/redis` writes carries a TTL
 * (sessions: `SET ... PX`; per-user index ZSETs: `PEXPIRE` to their highest score, see
 * packages/redis/src/scripts.ts). So a `volatile-*` policy has every session key and every user index as a
 * candidate, exactly like `allkeys-*`: under memory pressure it logs users out early and can drop a user's
 * index while their sessions live on, so "log out everywhere" misses sessions. Only `noeviction` never
 * drops a live session; its cost (a full Redis refuses writes) is the memory check's concern.
 *
 * @module
 */
import type { Redis } from 'ioredis';
import { type CheckResult, fail, pass, warn } from './check.js';
import { formatBytes } from './format.js';
import { readConfig, readInfo } from './redis-connection.js';

/** What one server told the doctor. */
export interface RedisNodeFacts {
  /** `maxmemory_policy` from INFO memory. */
  policy: string;
  /** `maxmemory` in bytes (0 = no limit). */
  maxmemory: number;
  /** `used_memory` in bytes. */
  usedMemory: number;
  /** `evicted_keys` since the server started (INFO stats). */
  evictedKeys: number;
  /** Writes refused with OOM since the server started (INFO errorstats, Redis 6.2+), if reported. */
  oomErrors: number;
  /** `aof_enabled`. */
  aofEnabled: boolean;
  /** `appendfsync`, or undefined when CONFIG is refused. */
  appendfsync: string | undefined;
  /** `save` schedule (`""` = none), or the reason it could not be read. */
  save: { value: string } | { refused: string };
  /** `rdb_last_bgsave_status` (`ok`/`err`). */
  rdbLastStatus: string;
  /** Seconds since the last successful RDB save, if one happened. */
  rdbSecondsSinceSave: number | undefined;
  /** Writes since the last RDB save (`rdb_changes_since_last_save`). */
  rdbChangesSinceSave: number;
  /** `aof_last_write_status` (`ok`/`err`), when AOF is on. */
  aofLastWriteStatus: string | undefined;
}

const num = (value: string | undefined): number => (value === undefined ? 0 : Number(value) || 0);

/** Reads the facts of one server: INFO memory, stats, errorstats and persistence, and three CONFIG values. */
export async function readRedisNodeFacts(client: Redis, nowSeconds: number): Promise<RedisNodeFacts> {
  const [memory, stats, errors, persistence] = await Promise.all([
    readInfo(client, 'memory'),
    readInfo(client, 'stats'),
    readInfo(client, 'errorstats'),
    readInfo(client, 'persistence'),
  ]);
  const [save, appendfsync] = await Promise.all([readConfig(client, 'save'), readConfig(client, 'appendfsync')]);
  const oom = /count=(\d+)/.exec(errors.get('errorstat_OOM') ?? '');
  const lastSave = num(persistence.get('rdb_last_save_time'));
  const aofEnabled = persistence.get('aof_enabled') === '1';
  return {
    policy: memory.get('maxmemory_policy') ?? 'unknown',
    maxmemory: num(memory.get('maxmemory')),
    usedMemory: num(memory.get('used_memory')),
    evictedKeys: num(stats.get('evicted_keys')),
    oomErrors: oom ? Number(oom[1]) : 0,
    aofEnabled,
    appendfsync: 'value' in appendfsync ? appendfsync.value : undefined,
    save,
    rdbLastStatus: persistence.get('rdb_last_bgsave_status') ?? 'ok',
    // rdb_last_save_time is the start time until a first save; rdb_saves (Redis 7+) tells whether one happened.
    rdbSecondsSinceSave:
      lastSave > 0 && (!persistence.has('rdb_saves') || num(persistence.get('rdb_saves')) > 0)
        ? nowSeconds - lastSave
        : undefined,
    rdbChangesSinceSave: num(persistence.get('rdb_changes_since_last_save')),
    aofLastWriteStatus: aofEnabled ? persistence.get('aof_last_write_status') : undefined,
  };
}

const SET_NOEVICTION =
  'CONFIG SET maxmemory-policy noeviction (and CONFIG REWRITE, or maxmemory-policy noeviction in redis.conf); ' +
  'keep sessions on a Redis of their own, sized for the peak number of sessions';

/** `redis.maxmemory-policy`: does a full Redis drop live sessions? */
export function evictionCheck(f: RedisNodeFacts): CheckResult {
  const id = 'redis.maxmemory-policy';
  const evicting = f.policy.startsWith('allkeys-') || f.policy.startsWith('volatile-');
  const evicted =
    f.evictedKeys > 0
      ? ` It has already evicted ${f.evictedKeys} keys since it started (INFO stats evicted_keys).`
      : '';
  if (f.policy === 'noeviction') {
    return pass(
      id,
      f.maxmemory > 0
        ? `noeviction: a full Redis refuses writes (logins and session saves answer 503) but never drops a live session.`
        : 'noeviction: nothing is ever evicted.',
    );
  }
  if (!evicting) {
    return warn(id, `unknown maxmemory-policy "${f.policy}": cannot tell whether it evicts sessions.`, SET_NOEVICTION);
  }
  const why = f.policy.startsWith('allkeys-')
    ? `${f.policy} evicts any key when memory is full: live sessions (users logged out early) and per-user ` +
      'indexes (a "log out everywhere" then misses sessions).'
    : `${f.policy} evicts keys that have a TTL when memory is full, and every key SessionKit writes has one ` +
      '(sessions and per-user indexes), so it drops live sessions and user indexes just like allkeys-*.';
  if (f.maxmemory === 0 && f.evictedKeys === 0) {
    return warn(
      id,
      `${why} Inactive for now (no maxmemory set), but it applies as soon as maxmemory is set.`,
      SET_NOEVICTION,
    );
  }
  return fail(id, `${why}${evicted}`, SET_NOEVICTION);
}

/** Share of maxmemory above which the memory check warns. */
export const MEMORY_WARN_RATIO = 0.9;

/** `redis.memory`: how close the server is to its limit, and what happens there. */
export function memoryCheck(f: RedisNodeFacts): CheckResult {
  const id = 'redis.memory';
  const used = formatBytes(f.usedMemory);
  const refused =
    f.oomErrors > 0 ? ` ${f.oomErrors} commands were refused for lack of memory since it started (errorstat_OOM).` : '';
  if (f.maxmemory === 0) {
    return warn(
      id,
      `no maxmemory set: Redis grows until the OS refuses memory or its OOM killer ends the ` +
        'process, which loses every session not persisted.',
      'set maxmemory below the RAM available to Redis (leave room for fork copy-on-write when saving) with ' +
        'maxmemory-policy noeviction, and alert on used_memory',
    );
  }
  const ratio = f.usedMemory / f.maxmemory;
  const figures = `using ${used} of maxmemory ${formatBytes(f.maxmemory)} (${Math.round(ratio * 100)}%)`;
  if (ratio >= MEMORY_WARN_RATIO || f.oomErrors > 0) {
    const consequence =
      f.policy === 'noeviction'
        ? 'at the limit every write is refused (OOM): logins and session saves fail until memory is freed.'
        : 'at the limit keys are evicted (see maxmemory-policy).';
    return warn(
      id,
      `${figures}: ${consequence}${refused}`,
      'raise maxmemory (or add shards), and alert before used_memory reaches 90% of maxmemory',
    );
  }
  return pass(id, `${figures}.`);
}

/** `redis.persistence`: what a restart or crash of this server costs. */
export function persistenceCheck(f: RedisNodeFacts): CheckResult {
  const id = 'redis.persistence';
  if (f.rdbLastStatus !== 'ok' || (f.aofEnabled && f.aofLastWriteStatus !== 'ok')) {
    const which = f.rdbLastStatus !== 'ok' ? 'the last RDB save' : 'the last AOF write';
    return fail(
      id,
      `${which} failed: with stop-writes-on-bgsave-error yes (the default) Redis refuses writes until a save succeeds.`,
      'check the Redis log and the disk (space, permissions) of its dir; then BGSAVE',
    );
  }
  if (f.aofEnabled) {
    if (f.appendfsync === 'no') {
      return warn(
        id,
        'AOF on with appendfsync no: the OS flushes when it likes, so a machine crash can lose about 30 s of logins and session updates.',
        'CONFIG SET appendfsync everysec',
      );
    }
    return pass(
      id,
      `AOF on (appendfsync ${f.appendfsync ?? 'not readable: CONFIG refused'}): a restart keeps sessions.`,
    );
  }
  const enableAof = 'CONFIG SET appendonly yes and appendfsync everysec (at most ~1 s of writes lost in a crash)';
  if ('refused' in f.save) {
    return warn(
      id,
      `AOF off, and the RDB save schedule cannot be read (CONFIG GET save: ${f.save.refused}).`,
      `verify snapshots are configured; better: ${enableAof}`,
    );
  }
  if (f.save.value.trim() === '') {
    return warn(
      id,
      'no persistence (AOF off, no RDB save schedule): a restart or crash of this server logs every user out, ' +
        'unless a replica is promoted in its place.',
      enableAof,
    );
  }
  const last = f.rdbSecondsSinceSave === undefined ? 'none yet' : `${f.rdbSecondsSinceSave} s ago`;
  return warn(
    id,
    `RDB snapshots only (save ${f.save.value}; last: ${last}, ${f.rdbChangesSinceSave} writes since): a crash loses the logins and session updates since the last snapshot.`,
    enableAof,
  );
}

/** The three node checks, in report order. */
export function redisNodeChecks(f: RedisNodeFacts): CheckResult[] {
  return [evictionCheck(f), memoryCheck(f), persistenceCheck(f)];
}
