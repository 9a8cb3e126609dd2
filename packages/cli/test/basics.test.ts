/**
 * The binary's contract, whatever the command: `--help` on every command and subcommand (exit 0), `--version`,
 * usage errors and malformed store URLs are exit 2, an unreachable backend is exit 3, and with `--json` an error
 * is one JSON document on stdout.
 */
import { closedPort } from '@sessionkit/test-servers';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/exit-codes.js';
import { createProgram } from '../src/program.js';
import { json, sessionkit } from './cli-run.js';

/** Every command path, e.g. `['sessions', 'list']`, from the program the binary builds. */
function commandPaths(command: Command, prefix: string[] = []): string[][] {
  return command.commands.flatMap((c) => [[...prefix, c.name()], ...commandPaths(c, [...prefix, c.name()])]);
}

describe('sessionkit', () => {
  it('answers --help on every command and subcommand (exit 0)', async () => {
    const paths = commandPaths(createProgram());
    expect(paths).toEqual(expect.arrayContaining([['schema'], ['sessions', 'list'], ['sessions', 'revoke']]));
    for (const path of [[], ...paths]) {
      const result = await sessionkit(...path, '--help');
      expect(result.code, `${path.join(' ')} --help: ${result.stderr}`).toBe(ExitCode.Ok);
      expect(result.stdout).toMatch(new RegExp(`^Usage: sessionkit${path.map((p) => ` ${p}`).join('')}`));
      expect(result.stdout).toContain('--json');
    }
  });

  it('prints its version', async () => {
    const result = await sessionkit('--version');
    expect(result.code).toBe(ExitCode.Ok);
    expect(result.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('exits 2 on usage errors: unknown command or option, missing argument or required option', async () => {
    for (const args of [
      ['frobnicate'],
      ['schema'],
      ['schema', 'redis://h:1', '--no-such-option'],
      ['schema', 'cassandra://h/ks', '--replication-factor', 'three'],
      ['sessions', 'list', 'redis://h:1'],
      ['sessions', 'list', 'memory', '--user', 'x'],
      ['sessions', 'revoke', '', '--user', 'x'],
    ]) {
      const result = await sessionkit(...args);
      expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(ExitCode.Usage);
      expect(result.stderr).not.toBe('');
    }
  });

  it('exits 2 on a malformed store URL, as a JSON error with --json, never repeating a password', async () => {
    const result = await sessionkit('sessions', 'list', 'redis://u:hunter2@h:1:2', '--user', 'x', '--json');
    expect(result.code).toBe(ExitCode.Usage);
    expect(json(result)).toEqual({
      error: {
        code: 'CONFIGURATION',
        name: 'StoreUrlError',
        message: expect.stringMatching(/^store URL: /),
        exitCode: ExitCode.Usage,
      },
    });
    expect(result.stdout + result.stderr).not.toContain('hunter2');
    const human = await sessionkit('sessions', 'list', 'mysql://h/db', '--user', 'x');
    expect(human.code).toBe(ExitCode.Usage);
    expect(human.stderr).toMatch(/^sessionkit: store URL: unknown scheme "mysql:\/\/"/);
  });

  it('exits 3 when the backend cannot be reached (typed error, tagged with the store)', async () => {
    const url = `redis://127.0.0.1:${await closedPort()}`;
    const result = await sessionkit('sessions', 'list', url, '--user', 'x', '--json');
    expect(result.code).toBe(ExitCode.Unreachable);
    expect(json(result)).toMatchObject({
      error: { code: expect.stringMatching(/^STORE_(UNAVAILABLE|TIMEOUT)$/), store: 'redis', exitCode: 3 },
    });
    const human = await sessionkit('sessions', 'revoke', url, '--user', 'x');
    expect(human.code).toBe(ExitCode.Unreachable);
    expect(human.stderr).toMatch(/^sessionkit: \[redis/);
  });
});
