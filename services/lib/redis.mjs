// Redis standalone, Redis Cluster (3 masters + 3 replicas) and Redis Sentinel (master, replica, 3 sentinels).
// All run in the foreground under our detached spawn (no --daemonize), keep nothing on disk and bind loopback.
import { execFile } from 'node:child_process';
import { existsSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseInfo, redisCommand } from './net.mjs';
import { serverDir } from './paths.mjs';

const HOST = '127.0.0.1';
const SENTINEL_MASTER_NAME = 'sessionkit';
// Small timeouts so that failover tests finish in seconds.
const CLUSTER_NODE_TIMEOUT_MS = 2000;
const SENTINEL_DOWN_AFTER_MS = 2000;
const SENTINEL_FAILOVER_TIMEOUT_MS = 6000;

const ping = (port) => async () => (await redisCommand(port, ['PING'])) === 'PONG';

function redisServer(name, group, port, extraArgs = []) {
  return {
    name,
    group,
    host: HOST,
    port,
    endpoint: `${HOST}:${port}`,
    startTimeoutMs: 15_000,
    command: () => {
      // Test servers keep nothing across starts. A dump.rdb can still appear (SAVE, SHUTDOWN SAVE from a
      // test); loaded at start it would hand a cluster node keys, and `--cluster create` refuses such nodes.
      rmSync(join(serverDir(name), 'dump.rdb'), { force: true });
      return {
        cmd: 'redis-server',
        args: [
          '--port',
          String(port),
          '--bind',
          HOST,
          '--dir',
          serverDir(name),
          '--save',
          '',
          '--appendonly',
          'no',
          '--daemonize',
          'no',
          '--logfile',
          '',
          ...extraArgs,
        ],
      };
    },
    healthy: ping(port),
  };
}

export const redis = {
  name: 'redis',
  install: ['apt'],
  servers: [{ ...redisServer('redis', 'redis', 16379), endpoint: `redis://${HOST}:16379` }],
};

// --- Cluster -------------------------------------------------------------------------------------------
const CLUSTER_PORTS = [17001, 17002, 17003, 17004, 17005, 17006];

const clusterInfo = async (port) => parseInfo(await redisCommand(port, ['CLUSTER', 'INFO']));

export const redisCluster = {
  name: 'redis-cluster',
  install: ['apt'],
  servers: CLUSTER_PORTS.map((port) =>
    redisServer(`redis-cluster-${port}`, 'redis-cluster', port, [
      '--cluster-enabled',
      'yes',
      // nodes.conf is the node's identity: kept when one node restarts (it rejoins), wiped by reset().
      '--cluster-config-file',
      'nodes.conf',
      '--cluster-node-timeout',
      String(CLUSTER_NODE_TIMEOUT_MS),
    ]),
  ),
  /** No node is running: forget the old cluster so a fresh one is created. */
  reset() {
    for (const s of this.servers) rmSync(join(serverDir(s.name), 'nodes.conf'), { force: true });
  },
  /** Creates the cluster when every node is still blank (a restarted node of a formed cluster rejoins by itself). */
  async afterStart() {
    const infos = await Promise.all(CLUSTER_PORTS.map(clusterInfo));
    if (!infos.every((i) => i.cluster_known_nodes === '1' && i.cluster_slots_assigned === '0')) return;
    await promisify(execFile)('redis-cli', [
      '--cluster',
      'create',
      ...CLUSTER_PORTS.map((p) => `${HOST}:${p}`),
      '--cluster-replicas',
      '1',
      '--cluster-yes',
    ]);
  },
  /** Every running node sees 6 nodes, all slots covered, state ok. */
  async healthy(running) {
    for (const s of running) {
      const info = await clusterInfo(s.port);
      if (info.cluster_state !== 'ok' || info.cluster_known_nodes !== '6' || info.cluster_slots_ok !== '16384') {
        return `${s.name}: cluster_state=${info.cluster_state} known_nodes=${info.cluster_known_nodes} slots_ok=${info.cluster_slots_ok}`;
      }
    }
    return true;
  },
};

// --- Sentinel ------------------------------------------------------------------------------------------
const SENTINEL_DATA_PORTS = [16380, 16381]; // initial master, initial replica
const SENTINEL_PORTS = [26380, 26381, 26382];

function sentinel(port) {
  const name = `redis-sentinel-${port}`;
  const conf = () => join(serverDir(name), 'sentinel.conf');
  return {
    name,
    group: 'redis-sentinel',
    host: HOST,
    port,
    endpoint: `${HOST}:${port}`,
    startTimeoutMs: 15_000,
    // Sentinel rewrites its config file with what it learnt (current master, peers, epochs). The file is
    // written only when missing, so a restarted sentinel keeps following a master that failed over;
    // reset() deletes it when the whole group starts fresh.
    confFile: conf,
    command() {
      const file = conf();
      if (!existsSync(file)) {
        writeFileSync(
          file,
          [
            `port ${port}`,
            `bind ${HOST}`,
            `dir ${serverDir(name)}`,
            'daemonize no',
            'logfile ""',
            `sentinel monitor ${SENTINEL_MASTER_NAME} ${HOST} ${SENTINEL_DATA_PORTS[0]} 2`,
            `sentinel down-after-milliseconds ${SENTINEL_MASTER_NAME} ${SENTINEL_DOWN_AFTER_MS}`,
            `sentinel failover-timeout ${SENTINEL_MASTER_NAME} ${SENTINEL_FAILOVER_TIMEOUT_MS}`,
            `sentinel parallel-syncs ${SENTINEL_MASTER_NAME} 1`,
            '',
          ].join('\n'),
        );
      }
      return { cmd: 'redis-server', args: [file, '--sentinel'] };
    },
    healthy: ping(port),
  };
}

export const redisSentinel = {
  name: 'redis-sentinel',
  install: ['apt'],
  servers: [
    redisServer(`redis-sentinel-${SENTINEL_DATA_PORTS[0]}`, 'redis-sentinel', SENTINEL_DATA_PORTS[0]),
    // After a failover the sentinels reconfigure both data nodes; this flag only sets the initial roles.
    redisServer(`redis-sentinel-${SENTINEL_DATA_PORTS[1]}`, 'redis-sentinel', SENTINEL_DATA_PORTS[1], [
      '--replicaof',
      HOST,
      String(SENTINEL_DATA_PORTS[0]),
    ]),
    ...SENTINEL_PORTS.map(sentinel),
  ],
  reset() {
    for (const s of this.servers) if (s.confFile) rmSync(s.confFile(), { force: true });
  },
  /** Each running sentinel knows a master with its replica and its 2 peer sentinels (needed to fail over). */
  async healthy(running) {
    for (const s of running.filter((r) => r.confFile)) {
      const flat = await redisCommand(s.port, ['SENTINEL', 'MASTER', SENTINEL_MASTER_NAME]);
      const m = Object.fromEntries(flat.flatMap((v, i) => (i % 2 ? [] : [[v, flat[i + 1]]])));
      if (m.flags !== 'master' || m['num-slaves'] !== '1' || m['num-other-sentinels'] !== '2') {
        return `${s.name}: master ${m.ip}:${m.port} flags=${m.flags} replicas=${m['num-slaves']} other-sentinels=${m['num-other-sentinels']}`;
      }
      const master = parseInfo(await redisCommand(Number(m.port), ['INFO', 'replication']));
      if (master.connected_slaves !== '1') return `master ${m.port}: connected_slaves=${master.connected_slaves}`;
    }
    return true;
  },
};
