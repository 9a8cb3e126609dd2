/**
 * Packing: which workspace packages are publishable, and `npm pack` of all of them into one directory, with the
 * package.json each tarball really carries.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The fields of a package.json this test reads. */
export interface PackageManifest {
  name: string;
  version: string;
  private?: boolean;
  exports?: unknown;
  peerDependencies?: Record<string, string>;
  peerDependenciesMeta?: Record<string, { optional?: boolean }>;
  devDependencies?: Record<string, string>;
}

/** One packed package. */
export interface PackedPackage {
  /** The package name, e.g. `@sessionkit/redis`. */
  name: string;
  /** Its workspace directory, relative to the repository root (`packages/redis`). */
  directory: string;
  /** Absolute path of the tarball. */
  tarball: string;
  /** The package.json inside the tarball. */
  manifest: PackageManifest;
}

function readManifest(file: string): PackageManifest {
  return JSON.parse(readFileSync(file, 'utf8')) as PackageManifest;
}

/**
 * Every package under `packages/` that is not `private`: what `npm publish` would ship. Derived, not listed, so a
 * new package is packed, linted and installed here from the day it exists.
 */
export function publishableDirectories(): string[] {
  return readdirSync(join(repoRoot, 'packages'), { withFileTypes: true })
    .filter((entry) => entry.isDirectory())
    .map((entry) => `packages/${entry.name}`)
    .filter((directory) => {
      const manifest = readManifest(join(repoRoot, directory, 'package.json'));
      return manifest.private !== true;
    })
    .sort();
}

/**
 * `npm pack`s every publishable package into `destination` in one npm call. Lifecycle scripts are not run: the
 * packages are built before any test runs (turbo's `build` precedes `test`), and rebuilding `dist/` in place
 * here would rewrite files that other packages' tests may be reading.
 */
export function packAll(destination: string): PackedPackage[] {
  const directories = publishableDirectories();
  const output = execFileSync(
    'npm',
    [
      'pack',
      '--json',
      '--ignore-scripts',
      '--pack-destination',
      destination,
      ...directories.flatMap((directory) => ['--workspace', directory]),
    ],
    { cwd: repoRoot, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const packed = JSON.parse(output) as { name: string; filename: string }[];
  return directories.map((directory) => {
    const name = readManifest(join(repoRoot, directory, 'package.json')).name;
    const entry = packed.find((candidate) => candidate.name === name);
    if (entry === undefined) throw new Error(`npm pack produced no tarball for ${name}`);
    const tarball = join(destination, entry.filename);
    const manifest = JSON.parse(
      execFileSync('tar', ['-xzOf', tarball, 'package/package.json'], { encoding: 'utf8' }),
    ) as PackageManifest;
    return { name, directory, tarball, manifest };
  });
}
