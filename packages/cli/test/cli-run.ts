/**
 * Runs the built binary (`node dist/bin.js ...`) as an operator would, capturing its exit code and output.
 *
 * @module
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { endpoints } from '@sessionkit/test-servers';

/** The built entry point (turbo builds the package before its tests). */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));

/** One run of the binary. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** Wall time of the process, in ms. */
  ms: number;
}

/** Runs `sessionkit ...args`; resolves whatever the exit code (a failure to start rejects). */
export function sessionkit(...args: string[]): Promise<CliRun> {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [BIN, ...args],
      // The AWS SDK warns on Node 20 at every start; not what these tests read.
      { env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true' }, timeout: 90_000 },
      (error, stdout, stderr) => {
        if (error && typeof error.code !== 'number') {
          reject(new Error(`sessionkit ${args.join(' ')} did not run: ${error.message}\n${stderr}`));
          return;
        }
        resolve({ code: error ? (error.code as number) : 0, stdout, stderr, ms: performance.now() - started });
      },
    );
  });
}

/** Parses the `--json` document of a run (throws with the run's output when it is not JSON). */
export function json<T = Record<string, unknown>>(run: CliRun): T {
  try {
    return JSON.parse(run.stdout) as T;
  } catch {
    throw new Error(`not JSON (exit ${run.code}):\n${run.stdout}\n${run.stderr}`);
  }
}

const hostList = (entries: readonly string[]) => entries.join(',');

/** Store URLs of the real test servers. */
export const urls = {
  redis: (prefix: string) => `${endpoints.redis.url.replace(/\/$/, '')}?prefix=${encodeURIComponent(prefix)}`,
  cassandra: (keyspace: string) =>
    `cassandra://${hostList(endpoints.cassandra.contactPoints)}/${keyspace}?dc=${endpoints.cassandra.localDataCenter}`,
  dynamodb: (table: string) => `dynamodb://${new URL(endpoints.dynamodb.endpoint).host}/${table}`,
};
