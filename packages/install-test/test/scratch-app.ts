/**
 * The scratch app: a fresh directory outside the workspace with the files under `app/`, where the packed
 * tarballs and the newest driver in each peer range are installed the way a new user would install them.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PackageManifest, PackedPackage } from './pack.js';
import { repoRoot } from './pack.js';

/** The app's source files, copied into every scratch app. */
const appSources = resolve(dirname(fileURLToPath(import.meta.url)), '../app');

/** Tools the app installs at the exact versions the repository builds and tests with. */
const PINNED_FROM_REPO = ['typescript', 'vitest', '@types/node'] as const;

/** What a command printed and how it ended. */
export interface CommandResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * The environment for commands in the scratch app: this process's, less what npm and vitest set for the
 * workspace run that started us (`npm_config_local_prefix` would make npm install into the workspace root,
 * `npm_package_*` describe this package, `VITEST*` would tell the app's own vitest it runs inside ours).
 */
function appEnvironment(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (/^(npm_package_|npm_lifecycle_|npm_config_local_prefix$|npm_config_workspace|VITEST|INIT_CWD$)/i.test(key)) {
      continue;
    }
    env[key] = value;
  }
  env.NODE_ENV = 'test';
  return env;
}

/** Runs `command` in `cwd` (no shell), capturing its output; never throws for a non-zero exit. */
export function runIn(cwd: string, command: string, args: string[], timeoutMs: number): CommandResult {
  const result = spawnSync(command, args, {
    cwd,
    env: appEnvironment(),
    encoding: 'utf8',
    timeout: timeoutMs,
    killSignal: 'SIGKILL',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** A command's output, for an assertion message. */
export function describeRun(what: string, result: CommandResult): string {
  return `${what} exited ${result.status}\n--- stdout\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/**
 * What `npm install` gets in the scratch app: every tarball; each required peer dependency of a tarball that is
 * not itself one of the tarballs, as `name@<range from the packed package.json>` so npm picks the newest version
 * in that range; the `@types/` package of such a peer where the package was built against one (memjs ships no
 * types); and typescript, vitest and @types/node at the repository's own versions.
 */
export function installSpecs(packed: readonly PackedPackage[]): string[] {
  const ownNames = new Set(packed.map((entry) => entry.name));
  const repoManifest = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as PackageManifest;
  const pinned = new Map<string, string>(
    PINNED_FROM_REPO.map((name) => {
      const version = repoManifest.devDependencies?.[name];
      if (version === undefined) throw new Error(`the root package.json pins no ${name}`);
      return [name, version];
    }),
  );
  const ranges = new Map<string, string>();
  const want = (name: string, range: string, from: string) => {
    const known = ranges.get(name);
    if (known !== undefined && known !== range) {
      throw new Error(`${from} asks for ${name}@${range}, another package for ${name}@${known}: align the ranges`);
    }
    ranges.set(name, range);
  };
  for (const { name, manifest } of packed) {
    for (const [peer, range] of Object.entries(manifest.peerDependencies ?? {})) {
      if (ownNames.has(peer) || pinned.has(peer) || manifest.peerDependenciesMeta?.[peer]?.optional) continue;
      want(peer, range, name);
      const types = `@types/${peer.replace(/^@([^/]+)\//, '$1__')}`;
      const typesRange = manifest.devDependencies?.[types];
      if (typesRange !== undefined) want(types, typesRange, name);
    }
  }
  return [
    ...packed.map((entry) => entry.tarball),
    ...[...ranges].map(([name, range]) => `${name}@${range}`),
    ...[...pinned].map(([name, version]) => `${name}@${version}`),
  ];
}

/**
 * Lays out the app in `directory` (an empty directory outside the workspace): its package.json, the files from
 * `app/`, and `settings.json` (where the test servers are and the names this app may use on them).
 */
export function layOutApp(directory: string, settings: unknown): void {
  writeFileSync(
    join(directory, 'package.json'),
    `${JSON.stringify({ name: 'sessionkit-scratch-app', version: '0.0.0', private: true, type: 'module' }, null, 2)}\n`,
  );
  cpSync(appSources, directory, { recursive: true });
  writeFileSync(join(directory, 'settings.json'), `${JSON.stringify(settings, null, 2)}\n`);
}
