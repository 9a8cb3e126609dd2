import { describe, expect, it } from 'vitest';
import {
  ConflictError,
  MemoryStore,
  type SessionLogger,
  SessionManager,
  type SessionStore,
  StoreUnavailableError,
} from '../src/index.js';

const MINUTE = 60_000;

function recordingLogger() {
  const lines: Array<{ level: 'warn' | 'error'; object: Record<string, unknown>; message?: string }> = [];
  const logger: SessionLogger = {
    warn: (object, message) => lines.push({ level: 'warn', object, message }),
    error: (object, message) => lines.push({ level: 'error', object, message }),
  };
  return { logger, lines };
}

describe('logger option', () => {
  it('logs store errors, corrupt records and rejected conflicts, without session IDs or keys', async () => {
    const { logger, lines } = recordingLogger();
    const memory = new MemoryStore();
    let failing = false;
    const store: SessionStore = {
      name: memory.name,
      capabilities: memory.capabilities,
      get: (key) =>
        failing ? Promise.reject(new StoreUnavailableError('down', { store: 'memory' })) : memory.get(key),
      create: (key, record) => memory.create(key, record),
      update: (key, record, version) => memory.update(key, record, version),
      touch: (key, expiresAt) => memory.touch(key, expiresAt),
      delete: (key) => memory.delete(key),
      listByUser: (userId) => memory.listByUser(userId),
      deleteByUser: (userId) => memory.deleteByUser(userId),
      close: () => memory.close(),
    };
    const manager = new SessionManager({ store, idleTimeout: 30 * MINUTE, absoluteTimeout: 60 * MINUTE, logger });

    const session = manager.create();
    session.set('n', 1);
    await manager.commit(session);
    const a = await manager.load(session.id);
    const b = await manager.load(session.id);
    a!.set('n', (a!.get('n') as number) + 1);
    b!.set('n', (b!.get('n') as number) + 1);
    await manager.commit(a!);
    await expect(manager.commit(b!)).rejects.toBeInstanceOf(ConflictError);

    const stored = await memory.get(session.key);
    await memory.update(
      session.key,
      { ...stored!, data: new Uint8Array([1, 2, 3]), version: stored!.version + 1 },
      stored!.version,
    );
    expect(await manager.load(session.id)).toBeNull();

    failing = true;
    await expect(manager.load(session.id)).rejects.toBeInstanceOf(StoreUnavailableError);

    expect(lines.map((line) => line.level)).toEqual(['warn', 'warn', 'error']);
    expect(lines[0]!.object).toMatchObject({ attributes: ['n'] });
    expect(lines[2]!.object).toMatchObject({ operation: 'get', code: 'STORE_UNAVAILABLE' });
    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(session.id);
    expect(logged).not.toContain(session.key);
  });
});
