/**
 * `sessionkit doctor hazelcast://` through the built binary: the shared 2-member cluster (member defaults: one
 * synchronous backup, no eviction, no map TTL) and a private one-member cluster whose config has a sessions map
 * without backups and with LRU eviction (bad) and a map with the recommended safety-net TTL (good).
 */
import { randomBytes } from 'node:crypto';
import { endpoints } from '@sessionkit/test-servers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  expectWellFormed,
  figures,
  type PrivateServer,
  results,
  runDoctor,
  startHazelcast,
  statusOf,
  stopAll,
} from './doctor-helpers.js';

describe('doctor hazelcast://', () => {
  const clusterName = `doctor-${randomBytes(4).toString('hex')}`;
  let member: PrivateServer;

  beforeAll(async () => {
    member = await startHazelcast(
      clusterName,
      `    sessionkit-sessions:
      backup-count: 0
      async-backup-count: 0
      eviction:
        eviction-policy: LRU
        max-size-policy: PER_NODE
        size: 10000
    doctor-good:
      backup-count: 1
      time-to-live-seconds: 86400
`,
    );
  });
  afterAll(() => stopAll([member]));

  it('on the shared cluster: 2 members, a synchronous backup, no eviction; no safety-net TTL is a warning', async () => {
    const run = await runDoctor(
      `hazelcast://${endpoints.hazelcast.members.join(',')}/${endpoints.hazelcast.clusterName}`,
    );
    figures('hazelcast (2 members)', run);
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(0);
    expect(statusOf(run.report, 'hazelcast.members')).toBe('pass');
    expect(statusOf(run.report, 'hazelcast.backups')).toBe('pass');
    expect(statusOf(run.report, 'hazelcast.eviction')).toBe('pass');
    const [net] = results(run.report, 'hazelcast.safety-net');
    expect(net!.status).toBe('warn');
    expect(net!.fix).toContain('time-to-live-seconds: 86400');
  });

  it('fails a sessions map without backups and with LRU eviction (the member reports its own config)', async () => {
    const run = await runDoctor(`hazelcast://${member.host}:${member.port}/${clusterName}`);
    figures('hazelcast (private member)', run);
    expectWellFormed(run.report);
    expect(run.exitCode).toBe(1);
    expect(statusOf(run.report, 'hazelcast.members')).toBe('warn');
    expect(statusOf(run.report, 'hazelcast.backups')).toBe('fail');
    const [eviction] = results(run.report, 'hazelcast.eviction');
    expect(eviction!.status).toBe('fail');
    expect(eviction!.finding).toContain('eviction-policy LRU (max-size 10000 PER_NODE)');
    expect(statusOf(run.report, 'hazelcast.safety-net')).toBe('warn');
  });

  it('passes a map with a synchronous backup and time-to-live-seconds as the safety net (--map)', async () => {
    const run = await runDoctor(`hazelcast://${member.host}:${member.port}/${clusterName}`, '--map', 'doctor-good');
    expect(statusOf(run.report, 'hazelcast.backups')).toBe('pass');
    expect(statusOf(run.report, 'hazelcast.eviction')).toBe('pass');
    const [net] = results(run.report, 'hazelcast.safety-net');
    expect(net!.status).toBe('pass');
    expect(net!.finding).toContain('time-to-live-seconds 86400 (1 d)');
    expect(run.exitCode).toBe(0);
  });

  it('reports a wrong cluster name as unreachable (exit code 3)', async () => {
    const run = await runDoctor(`hazelcast://${member.host}:${member.port}/not-${clusterName}`, '--timeout', '3000');
    expect(run.exitCode).toBe(3);
    expect(statusOf(run.report, 'hazelcast.connection')).toBe('fail');
  });
});
