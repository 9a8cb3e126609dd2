// Hazelcast: two members of cluster "sessionkit" on 127.0.0.1:15701 and :15702, joined by TCP/IP member list
// (multicast and auto-detection off), phone-home off, small heap. Jars come from Maven (services/maven/pom.xml).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { javaBin } from './install.mjs';
import { lastMatch, readLog } from './logs.mjs';
import { LIB_DIR, serverDir } from './paths.mjs';

const HOST = '127.0.0.1';
const PORTS = [15701, 15702];
const HAZELCAST_CLUSTER_NAME = 'sessionkit';

function memberConfig(port) {
  // YAML written by hand: the member list and a handful of properties; anything else keeps its default.
  return `hazelcast:
  cluster-name: ${HAZELCAST_CLUSTER_NAME}
  properties:
    hazelcast.phone.home.enabled: false
    hazelcast.socket.bind.any: false
    hazelcast.health.monitoring.level: OFF
    # Join quickly and heal quickly after fault tests (defaults: 5 s before join, 300 s / 120 s merge delays,
    # 60 s without heartbeat before a member is dropped).
    hazelcast.wait.seconds.before.join: 1
    hazelcast.merge.first.run.delay.seconds: 5
    hazelcast.merge.next.run.delay.seconds: 5
    hazelcast.heartbeat.interval.seconds: 1
    hazelcast.max.no.heartbeat.seconds: 10
  network:
    port:
      port: ${port}
      auto-increment: false
    interfaces:
      enabled: true
      interfaces:
        - ${HOST}
    join:
      auto-detection:
        enabled: false
      multicast:
        enabled: false
      tcp-ip:
        enabled: true
        member-list:
${PORTS.map((p) => `          - ${HOST}:${p}`).join('\n')}
`;
}

function member(port) {
  const name = `hazelcast-${port}`;
  return {
    name,
    group: 'hazelcast',
    host: HOST,
    port,
    endpoint: `${HOST}:${port}`,
    startTimeoutMs: 90_000,
    async command() {
      const config = join(serverDir(name), 'hazelcast.yaml');
      writeFileSync(config, memberConfig(port));
      const java = await javaBin();
      return {
        cmd: java,
        args: [
          '-Xms64m',
          '-Xmx384m',
          '-XX:+UseSerialGC',
          '-XX:TieredStopAtLevel=1',
          '-XX:+PerfDisableSharedMem',
          // The module flags Hazelcast asks for on Java 17 (otherwise it logs a performance warning).
          '--add-modules',
          'java.se',
          '--add-exports',
          'java.base/jdk.internal.ref=ALL-UNNAMED',
          '--add-opens',
          'java.base/java.lang=ALL-UNNAMED',
          '--add-opens',
          'java.base/sun.nio.ch=ALL-UNNAMED',
          '--add-opens',
          'java.management/sun.management=ALL-UNNAMED',
          '--add-opens',
          'jdk.management/com.sun.management.internal=ALL-UNNAMED',
          `-Dhazelcast.config=${config}`,
          '-cp',
          join(LIB_DIR, 'hazelcast', '*'),
          'com.hazelcast.core.server.HazelcastMemberStarter',
        ],
        cwd: serverDir(name),
      };
    },
    healthy: async () => readLog(name).includes(' is STARTED') || 'not STARTED yet',
  };
}

export const hazelcast = {
  name: 'hazelcast',
  install: ['maven'],
  servers: PORTS.map(member),
  /** Each member's latest membership view (logged on every change) lists both members. */
  async healthy(running) {
    for (const s of running) {
      const size = lastMatch(s.name, /Members \{size:(\d+)/g)?.[1];
      if (size !== String(PORTS.length)) return `${s.name} sees ${size ?? 0} member(s)`;
    }
    return true;
  },
};
