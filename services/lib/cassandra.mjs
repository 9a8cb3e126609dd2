// Cassandra 5.0 from Maven jars (no tarball, no bin/cassandra script): we build the JVM command line the
// script would, with a minimal cassandra.yaml. One node on 127.0.0.1, a 2-node cluster on 127.0.0.2 /
// 127.0.0.3 (the whole 127/8 is loopback on Linux) for replication-factor-2 tests, and three
// optional single nodes on 127.0.0.4-6 that differ only in their commit-log sync mode (for the benchmark).
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { javaBin } from './install.mjs';
import { lastMatch } from './logs.mjs';
import { assertLocalAddress, tcpOpen } from './net.mjs';
import { LIB_DIR, serverDir } from './paths.mjs';

const NATIVE_PORT = 19042;
const STORAGE_PORT = 19000;

/**
 * The test nodes' commit-log sync (Cassandra's default mode and period): to disk every 10 s, with the log's sync
 * markers moved every 100 ms in between. A crash of the machine can lose up to ~10 s of acknowledged writes, a
 * SIGKILL of the node about the last 100 ms (replay stops at the last marker; the page cache keeps the rest).
 */
const PERIODIC_10S = { sync: 'periodic', period: '10000ms' };

/**
 * The cassandra.yaml lines of a commit-log sync mode. Cassandra 5.0 refuses at start-up a setting that belongs
 * to another mode (e.g. `commitlog_sync_period` with `group` or `batch`), so each mode gets only its own keys:
 * - periodic: writes are acknowledged at once, the log is synced to disk every `period`;
 * - group: the log is synced once per `window`, and a write is acknowledged after the sync that covers it;
 * - batch: every write wakes the sync thread and is acknowledged after the sync that covers it (writes that
 *   arrive during a sync share the next one).
 */
function commitlogYaml({ sync, period, window }) {
  if (sync === 'periodic') return `commitlog_sync: periodic\ncommitlog_sync_period: ${period}`;
  if (sync === 'group') return `commitlog_sync: group\ncommitlog_sync_group_window: ${window}`;
  if (sync === 'batch') return 'commitlog_sync: batch';
  throw new Error(`unknown commitlog_sync "${sync}"`);
}

// Cassandra 5.0 rejects unknown keys, so only keys known to 5.0 appear here; everything else is default.
function yaml({ address, seed, dir, commitlog, concurrentWrites }) {
  return `cluster_name: sessionkit
num_tokens: 1
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: SimpleSnitch  # datacenter1 / rack1: the localDataCenter clients pass
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "${seed}:${STORAGE_PORT}"
listen_address: ${address}
rpc_address: ${address}
storage_port: ${STORAGE_PORT}
native_transport_port: ${NATIVE_PORT}
start_native_transport: true
auto_bootstrap: false
data_file_directories:
  - ${dir}/data
commitlog_directory: ${dir}/commitlog
saved_caches_directory: ${dir}/saved_caches
hints_directory: ${dir}/hints
cdc_raw_directory: ${dir}/cdc_raw
${commitlogYaml(commitlog)}
commitlog_segment_size: 8MiB
commitlog_total_space: 128MiB
# Modest memory: small memtables and caches, few threads (2-core machine).
memtable_heap_space: 64MiB
memtable_offheap_space: 64MiB
key_cache_size: 0MiB
counter_cache_size: 0MiB
file_cache_size: 32MiB
concurrent_reads: 4
concurrent_writes: ${concurrentWrites}
concurrent_counter_writes: 4
concurrent_compactors: 1
`;
}

// INFO from Cassandra itself (start-up progress and membership are needed by the health checks), WARN for
// libraries. Without a config, logback would log everything at DEBUG.
const LOGBACK = `<configuration>
  <appender name="STDOUT" class="ch.qos.logback.core.ConsoleAppender">
    <encoder><pattern>%d{HH:mm:ss.SSS} %-5level [%thread] %logger{20} - %msg%n</pattern></encoder>
  </appender>
  <logger name="org.apache.cassandra" level="INFO"/>
  <root level="WARN"><appender-ref ref="STDOUT"/></root>
</configuration>
`;

// From Cassandra's conf/jvm17-server.options (JPMS section): the internals Cassandra reaches into.
const JVM17_FLAGS = [
  '-Djdk.attach.allowAttachSelf=true',
  ...[
    'java.base/jdk.internal.misc',
    'java.management.rmi/com.sun.jmx.remote.internal.rmi',
    'java.rmi/sun.rmi.registry',
    'java.rmi/sun.rmi.server',
    'java.sql/java.sql',
    'java.base/java.lang.ref',
    'jdk.unsupported/sun.misc',
    'jdk.compiler/com.sun.tools.javac.file',
    'jdk.attach/sun.tools.attach',
  ].flatMap((p) => ['--add-exports', `${p}=ALL-UNNAMED`]),
  ...[
    'java.base/java.lang.module',
    'java.base/jdk.internal.loader',
    'java.base/jdk.internal.ref',
    'java.base/jdk.internal.reflect',
    'java.base/jdk.internal.math',
    'java.base/jdk.internal.module',
    'java.base/jdk.internal.util.jar',
    'jdk.management/com.sun.management.internal',
    'java.base/sun.nio.ch',
    'java.base/java.io',
    'java.base/java.lang.reflect',
    'jdk.compiler/com.sun.tools.javac',
    'java.base/java.lang',
    'java.base/java.util',
  ].flatMap((p) => ['--add-opens', `${p}=ALL-UNNAMED`]),
  '-Dio.netty.tryReflectionSetAccessible=true',
];

function node({
  name,
  group,
  address,
  seed,
  jmxPort,
  ringDelayMs,
  commitlog = PERIODIC_10S,
  concurrentWrites = 4,
  unsafeSystem = true,
}) {
  return {
    name,
    group,
    host: address,
    port: NATIVE_PORT,
    endpoint: `${address}:${NATIVE_PORT}`,
    startTimeoutMs: 240_000,
    async command() {
      await assertLocalAddress(address, name); // a clear message instead of a bind error in the node's log
      const dir = serverDir(name);
      writeFileSync(join(dir, 'cassandra.yaml'), yaml({ address, seed, dir, commitlog, concurrentWrites }));
      writeFileSync(join(dir, 'logback.xml'), LOGBACK);
      mkdirSync(join(dir, 'triggers'), { recursive: true }); // Cassandra warns every minute when it is missing
      const lib = join(LIB_DIR, 'cassandra');
      const jamm = readdirSync(lib).find((f) => /^jamm-.*\.jar$/.test(f));
      return {
        cmd: await javaBin(),
        args: [
          '-Xms256m',
          '-Xmx512m',
          '-Xss256k',
          '-XX:+UseSerialGC',
          '-XX:+PerfDisableSharedMem',
          '-XX:+ExitOnOutOfMemoryError',
          // C1 only: start-up is dominated by JIT work on 2 cores; test traffic does not need C2.
          '-XX:TieredStopAtLevel=1',
          `-javaagent:${join(lib, jamm)}`, // Cassandra measures object sizes with jamm
          ...JVM17_FLAGS,
          '-Djava.net.preferIPv4Stack=true',
          `-Dcassandra.config=file://${join(dir, 'cassandra.yaml')}`,
          `-Dlogback.configurationFile=${join(dir, 'logback.xml')}`,
          '-Dcassandra-foreground=yes',
          `-Dcassandra.storagedir=${dir}`,
          `-Dcassandra.logdir=${dir}`,
          `-Dcassandra.triggers_dir=${join(dir, 'triggers')}`,
          `-Dcassandra.jmx.local.port=${jmxPort}`,
          // Start-up shortcuts for a throw-away test node: no gossip settling, no superuser setup delay,
          // a ring delay to suit the topology, and (unless `unsafeSystem` is off) no flush of system tables.
          '-Dcassandra.skip_wait_for_gossip_to_settle=0',
          '-Dcassandra.superuser_setup_delay_ms=0',
          `-Dcassandra.ring_delay_ms=${ringDelayMs}`,
          ...(unsafeSystem ? ['-Dcassandra.unsafesystem=true'] : []),
          '-cp',
          join(lib, '*'),
          'org.apache.cassandra.service.CassandraDaemon',
        ],
        cwd: dir,
      };
    },
    healthy: async () => (await tcpOpen(address, NATIVE_PORT)) || 'CQL port not open yet',
  };
}

export const cassandra = {
  name: 'cassandra',
  install: ['maven'],
  servers: [
    node({
      name: 'cassandra',
      group: 'cassandra',
      address: '127.0.0.1',
      seed: '127.0.0.1',
      jmxPort: 19199,
      ringDelayMs: 100,
    }),
  ],
};

/**
 * The ring delay bounds a node's first gossip round with its peers at start-up (the shadow round). Node 2 joins
 * through node 1 (the seed) and fails with "Unable to gossip with any peers" when that round takes longer, so it
 * gets 15 s, which costs nothing when the seed answers quickly. Node 1 is its own seed and carries on alone after
 * the delay, but once it knows node 2 it waits the whole delay for it whenever node 2 is down (a bare `up` after
 * both stopped: measured 21.9 s instead of ~6 s with 15 s), so it gets the single node's 100 ms.
 */
const CLUSTER_NODES = [
  { name: 'cassandra-cluster-1', address: '127.0.0.2', jmxPort: 19299, ringDelayMs: 100 },
  { name: 'cassandra-cluster-2', address: '127.0.0.3', jmxPort: 19399, ringDelayMs: 15_000 },
];

/**
 * The 2-node cluster (replication factor 2 in the tests), part of every bare `up`: packages/cassandra's
 * cluster.test.ts proves the consistency levels and a node's crash and rejoin on it.
 */
export const cassandraCluster = {
  name: 'cassandra-cluster',
  install: ['maven'],
  // The second node joins through the first (the seed), so it is spawned once the first accepts CQL clients.
  sequential: true,
  servers: CLUSTER_NODES.map((n) =>
    node({
      ...n,
      group: 'cassandra-cluster',
      seed: CLUSTER_NODES[0].address,
      // The cluster test SIGKILLs a node and checks what it kept. With `unsafesystem` the node does not flush
      // its system tables, so a keyspace created since its last clean start is gone after a SIGKILL, and the
      // commit-log replay then skips every write to that keyspace's tables (unknown tables): the node would
      // come back empty, which no production node does. Flushing them costs little at start-up.
      unsafeSystem: false,
    }),
  ),
  /** Each node has most recently seen the other one come UP (gossip logs every UP/DOWN change). */
  async healthy(running) {
    for (const s of running) {
      for (const other of CLUSTER_NODES.filter((n) => n.name !== s.name)) {
        const seen = lastMatch(
          s.name,
          new RegExp(`/${other.address.replaceAll('.', '\\.')}:${STORAGE_PORT} is now (UP|DOWN)`, 'g'),
        );
        if (seen?.[1] !== 'UP') return `${s.name} does not see ${other.address} UP`;
      }
    }
    return true;
  },
};

/**
 * Three independent single nodes that differ only in their commit-log sync mode, for the benchmark's commit-log
 * part (bench/src/commitlog.ts): periodic as on the test nodes, group with a 15 ms window, and batch. Opt-in:
 * a bare `up` never starts them (control.mjs), `start cassandra-commitlog` does. Each node is its own seed, so
 * they never gossip with each other or with the other clusters.
 *
 * They keep Cassandra's default `concurrent_writes: 32` instead of the test nodes' 4: under group and batch a
 * write holds its mutation-stage thread until the sync that covers it, so with 4 threads a node completes at most
 * 4 writes per sync (per 15 ms window in group mode), which would measure our small test setting, not the mode.
 */
const COMMITLOG_NODES = [
  { name: 'cassandra-commitlog-periodic', address: '127.0.0.4', jmxPort: 19499, commitlog: PERIODIC_10S },
  {
    name: 'cassandra-commitlog-group',
    address: '127.0.0.5',
    jmxPort: 19599,
    commitlog: { sync: 'group', window: '15ms' },
  },
  { name: 'cassandra-commitlog-batch', address: '127.0.0.6', jmxPort: 19699, commitlog: { sync: 'batch' } },
];

export const cassandraCommitlog = {
  name: 'cassandra-commitlog',
  install: ['maven'],
  servers: COMMITLOG_NODES.map((n) =>
    node({ ...n, group: 'cassandra-commitlog', seed: n.address, ringDelayMs: 100, concurrentWrites: 32 }),
  ),
};
