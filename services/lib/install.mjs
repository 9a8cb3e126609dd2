// `install`: Debian packages via apt-get (only what is missing) and the Java servers via Maven (only when
// services/.data/lib/<name> was not filled from the current pom). Each step runs at most once per process.
import { execFile, execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { LIB_DIR, SERVICES_DIR } from './paths.mjs';

const run = promisify(execFile);

/** Commands the servers need, and the Debian package that provides each. */
const APT_COMMANDS = {
  'redis-server': 'redis-server',
  'redis-cli': 'redis-tools',
  memcached: 'memcached',
  mvn: 'maven',
  // Not servers, but tools the demo shop's tests drive: two real load balancers and a headless browser.
  // (`nginx` is the binary package: no extra modules. Where a service manager would start the packaged
  // nginx, that instance is not used: the tests run their own in the foreground on loopback ports.)
  haproxy: 'haproxy',
  nginx: 'nginx',
  chromium: 'chromium',
};
const JAVA17_PACKAGE = 'openjdk-17-jre-headless';
const MAVEN_LIBS = ['cassandra', 'hazelcast'];
const POM = join(SERVICES_DIR, 'maven', 'pom.xml');

function onPath(cmd) {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function runOrExplain(what, cmd, args, opts = {}) {
  try {
    return await run(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...opts });
  } catch (err) {
    // Maven's console library emits colour resets even in batch mode; strip them from the report.
    const output = stripVTControlCharacters(`${err.stdout ?? ''}${err.stderr ?? ''}`)
      .trim()
      .split('\n')
      .slice(-40)
      .join('\n');
    throw new Error(`${what} failed (${cmd} ${args.join(' ')}):\n${output || err.message}`);
  }
}

async function aptInstall(packages) {
  if (packages.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${packages.join(' ')} (run as root, or apt-get install them yourself)`);
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  log(`apt-get install ${packages.join(' ')}`);
  await runOrExplain('apt-get update', 'apt-get', ['update', '-q'], { env });
  await runOrExplain('apt-get install', 'apt-get', ['install', '-y', '-q', '--no-install-recommends', ...packages], {
    env,
  });
}

let aptDone;
/** redis-server, redis-cli and memcached on PATH, plus haproxy, nginx and chromium for the shop's tests. */
export function ensureApt() {
  aptDone ??= aptInstall([
    ...new Set(
      ['redis-server', 'redis-cli', 'memcached', 'haproxy', 'nginx', 'chromium']
        .filter((c) => !onPath(c))
        .map((c) => APT_COMMANDS[c]),
    ),
  ]);
  return aptDone;
}

let java17;
/** Path of a Java 17 `java` (Cassandra 5.0 runs on 11/17 only; newer JDKs drop the SecurityManager it calls). */
export async function javaBin() {
  java17 ??= (async () => {
    const found = findJava17();
    if (found) return found;
    await aptInstall([JAVA17_PACKAGE]);
    return findJava17() ?? Promise.reject(new Error(`no Java 17 found even after installing ${JAVA17_PACKAGE}`));
  })();
  return java17;
}

// Reads JAVA_VERSION from the JDK's `release` file instead of starting a JVM to ask.
function findJava17() {
  const homes = [
    process.env.JAVA_HOME,
    ...(existsSync('/usr/lib/jvm') ? readdirSync('/usr/lib/jvm').map((d) => join('/usr/lib/jvm', d)) : []),
    onPath('java') &&
      dirname(dirname(realpathSync(execFileSync('sh', ['-c', 'command -v java'], { encoding: 'utf8' }).trim()))),
  ].filter(Boolean);
  for (const home of homes) {
    try {
      const release = readFileSync(join(home, 'release'), 'utf8');
      if (/^JAVA_VERSION="17[."]/m.test(release) && existsSync(join(home, 'bin', 'java')))
        return join(home, 'bin', 'java');
    } catch {
      /* not a JDK home */
    }
  }
  return undefined;
}

const pomHash = () => createHash('sha256').update(readFileSync(POM)).digest('hex');
const marker = (lib) => join(LIB_DIR, lib, '.pom-sha256');

let mavenDone;
/** Copies the Cassandra and Hazelcast jars into services/.data/lib/{cassandra,hazelcast} (skipped when current). */
export function ensureMaven() {
  mavenDone ??= (async () => {
    const hash = pomHash();
    const stale = MAVEN_LIBS.filter((lib) => !existsSync(marker(lib)) || readFileSync(marker(lib), 'utf8') !== hash);
    if (stale.length === 0) return;
    if (!onPath('mvn')) await aptInstall([APT_COMMANDS.mvn]);
    log(`mvn: fetching ${stale.join(', ')} into ${LIB_DIR}`);
    for (const lib of stale) rmSync(join(LIB_DIR, lib), { recursive: true, force: true });
    await runOrExplain('Maven', 'mvn', [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      POM,
      `-Dlib.dir=${LIB_DIR}`,
      ...stale.map((lib) => `dependency:copy-dependencies@${lib}`),
    ]);
    for (const lib of stale) writeFileSync(marker(lib), hash);
  })();
  return mavenDone;
}

function log(msg) {
  process.stderr.write(`[services] ${msg}\n`);
}
