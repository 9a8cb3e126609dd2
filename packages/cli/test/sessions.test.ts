/**
 * `sessionkit sessions list|revoke|stats`, run as the built binary against the real Redis and DynamoDB
 * (dynalite), and a tiered pair of the two: sessions seeded through a SessionManager, the listing's shape and content (keys, never session
 * IDs), revocation with and without `--except`, refusals that delete nothing, and the exit codes.
 */
import { randomBytes } from 'node:crypto';
import type { Session, SessionStore } from '@sessionkit/core';
import { expiryPresets, SessionManager, sessionCodec } from '@sessionkit/core';
import { openStore } from '@sessionkit/store-url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import type { UserSessionRow } from '../src/sessions/list.js';
import { dropTable } from './cleanup.js';
import { json, sessionkit, urls } from './cli-run.js';

interface ListJson {
  store: string;
  user: string;
  count: number;
  sessions: UserSessionRow[];
}

const run = randomBytes(4).toString('hex');

/** Seeds `count` sessions owned by `userId` (each regenerated at login, as an app does) and returns them. */
async function seed(manager: SessionManager, userId: string, count: number): Promise<Session[]> {
  const sessions: Session[] = [];
  for (let i = 0; i < count; i++) {
    const anonymous = manager.create();
    anonymous.set('cart', { items: Array.from({ length: i + 1 }, (_, n) => `sku-${n}`) });
    sessions.push(await manager.regenerate(anonymous, { userId }));
  }
  return sessions;
}

const durableUrl = urls.dynamodb(`cli_sessions_tiered_${run}`);

describe.each([
  { backend: 'redis', url: urls.redis(`cli-sessions:${run}:`), table: undefined },
  { backend: 'dynamodb', url: urls.dynamodb(`cli_sessions_${run}`), table: urls.dynamodb(`cli_sessions_${run}`) },
  { backend: 'tiered', url: `tiered:${urls.redis(`cli-sessions-cache:${run}:`)}|${durableUrl}`, table: durableUrl },
])('sessions on $backend', ({ backend, url, table }) => {
  let store: SessionStore;
  let manager: SessionManager;
  const alice = `alice-${run}`;
  const bob = `bob-${run}`;
  let aliceSessions: Session[];

  beforeAll(async () => {
    // The test's own store on the same URL (provisioned: the DynamoDB table is created for this run).
    store = await openStore(url);
    manager = new SessionManager({ ...expiryPresets.nistAal2, store });
    aliceSessions = await seed(manager, alice, 3);
    await seed(manager, bob, 1);
  });

  afterAll(async () => {
    await manager?.destroyAllForUser(alice);
    await manager?.destroyAllForUser(bob);
    await store?.close();
    if (table !== undefined) await dropTable(table);
  });

  it('lists the user’s live sessions with --json: key, created, expires, size, version; no session ID', async () => {
    const result = await sessionkit('sessions', 'list', url, '--user', alice, '--json');
    expect(result.code, result.stderr).toBe(ExitCode.Ok);
    const body = json<ListJson>(result);
    expect(body).toMatchObject({ user: alice, count: 3 });
    expect(body.store).toMatch(new RegExp(`^${backend}:`));
    const expected = await manager.listForUser(alice);
    expect(body.sessions.map((s) => s.key).sort()).toEqual(expected.map((s) => s.key).sort());
    for (const row of body.sessions) {
      const info = expected.find((s) => s.key === row.key)!;
      expect(row.key).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(row.createdAt).toBe(info.createdAt);
      expect(row.expiresAt).toBe(info.expiresAt);
      expect(row.version).toBeGreaterThanOrEqual(1);
      expect(row.sizeBytes).toBeGreaterThan(10);
    }
    // Oldest first; larger carts are larger records.
    expect(body.sessions.map((s) => s.createdAt)).toEqual([...body.sessions.map((s) => s.createdAt)].sort());
    for (const session of aliceSessions) {
      expect(result.stdout).not.toContain(session.id);
      expect(result.stderr).not.toContain(session.id);
    }
  });

  it('prints a readable table without --json (keys, never IDs)', async () => {
    const result = await sessionkit('sessions', 'list', url, '--user', alice);
    expect(result.code, result.stderr).toBe(ExitCode.Ok);
    expect(result.stdout).toMatch(/^KEY +CREATED +EXPIRES +BYTES$/m);
    for (const session of aliceSessions) {
      expect(result.stdout).toContain(session.key);
      expect(result.stdout).not.toContain(session.id);
    }
    expect(result.stdout).toContain(`3 live sessions for user "${alice}"`);
  });

  it('refuses an --except that matches none of the user’s sessions, deleting nothing (exit 2)', async () => {
    const result = await sessionkit(
      'sessions',
      'revoke',
      url,
      '--user',
      alice,
      '--except',
      'nonexistent-key',
      '--json',
    );
    expect(result.code).toBe(ExitCode.Usage);
    expect(json(result)).toMatchObject({ error: { code: 'USAGE', exitCode: ExitCode.Usage } });
    expect((await manager.listForUser(alice)).length).toBe(3);
    const short = await sessionkit('sessions', 'revoke', url, '--user', alice, '--except', 'abc');
    expect(short.code).toBe(ExitCode.Usage);
    expect(short.stderr).toMatch(/at least 8/);
    expect((await manager.listForUser(alice)).length).toBe(3);
  });

  it('revokes all but the session named by a key prefix (--except), then the rest; other users untouched', async () => {
    const keep = aliceSessions[1]!;
    const except = await sessionkit(
      'sessions',
      'revoke',
      url,
      '--user',
      alice,
      '--except',
      keep.key.slice(0, 10),
      '--json',
    );
    expect(except.code, except.stderr).toBe(ExitCode.Ok);
    expect(json(except)).toMatchObject({ user: alice, revoked: 2, kept: keep.key });
    expect((await manager.listForUser(alice)).map((s) => s.key)).toEqual([keep.key]);
    expect(await manager.load(aliceSessions[0]!.id)).toBeNull();
    expect(await manager.load(keep.id)).not.toBeNull();

    const all = await sessionkit('sessions', 'revoke', url, '--user', alice);
    expect(all.code, all.stderr).toBe(ExitCode.Ok);
    expect(all.stdout).toContain(`revoked 1 session of user "${alice}"`);
    expect(await manager.listForUser(alice)).toEqual([]);
    expect(await manager.load(keep.id)).toBeNull();
    expect((await manager.listForUser(bob)).length).toBe(1);

    const empty = await sessionkit('sessions', 'list', url, '--user', alice, '--json');
    expect(json(empty)).toMatchObject({ count: 0, sessions: [] });
  });
});

describe('sessions list on records the CLI cannot decode', () => {
  it('shows created as null (and says why) for records an application encrypted', async () => {
    const url = urls.redis(`cli-sessions-enc:${run}:`);
    const store = await openStore(url);
    const codec = sessionCodec({ encryption: { keys: [{ id: 'k1', key: randomBytes(32).toString('base64url') }] } });
    const manager = new SessionManager({ ...expiryPresets.nistAal2, store, codec });
    const user = `carol-${run}`;
    try {
      await seed(manager, user, 1);
      const result = await sessionkit('sessions', 'list', url, '--user', user, '--json');
      expect(result.code, result.stderr).toBe(ExitCode.Ok);
      const body = json<ListJson>(result);
      expect(body.count).toBe(1);
      expect(body.sessions[0]).toMatchObject({ createdAt: null, version: 1 });
      const human = await sessionkit('sessions', 'list', url, '--user', user);
      expect(human.stdout).toMatch(/not readable/);
    } finally {
      await manager.destroyAllForUser(user);
      await store.close();
    }
  });
});

describe('sessions stats', () => {
  it('counts on DynamoDB (DescribeTable, approximate); "not available" on Redis with exit 2', async () => {
    const table = `cli_stats_${run}`;
    const store = await openStore(urls.dynamodb(table));
    await store.close();
    const dynamo = await sessionkit('sessions', 'stats', urls.dynamodb(table), '--json');
    expect(dynamo.code, dynamo.stderr).toBe(ExitCode.Ok);
    expect(json(dynamo)).toMatchObject({
      stats: [{ backend: 'dynamodb', available: true, approximate: true, items: expect.any(Number) }],
    });

    await dropTable(urls.dynamodb(table));

    const redis = await sessionkit('sessions', 'stats', urls.redis('x:'));
    expect(redis.code).toBe(ExitCode.Usage);
    expect(redis.stdout).toMatch(/not available on redis/);
  });
});
