/**
 * Builds the `sessionkit` commander program: the global options (`--json`), help on every command, usage
 * errors mapped to exit code 2, and every command from {@link commands}.
 *
 * @module
 */
import { Command } from 'commander';
import { commands } from './commands/index.js';
import { version } from './version.js';

/**
 * Returns a fresh `sessionkit` program. `exitOverride` is set: commander throws a `CommanderError` instead of
 * exiting, and {@link main} turns it into the documented exit code.
 */
export function createProgram(): Command {
  const program = new Command('sessionkit')
    .description(
      'Operate a SessionKit session store from a terminal. <url> is a store URL (redis://, redis+cluster://, ' +
        'redis+sentinel://, memcached://, cassandra://, dynamodb://, hazelcast://, tiered:<cache>|<durable>).',
    )
    .version(version, '-V, --version')
    .option('--json', 'print one JSON document on stdout (for scripts) instead of readable text')
    .showHelpAfterError('(add --help for usage)')
    .configureHelp({ showGlobalOptions: true })
    .exitOverride();
  for (const register of commands) register(program);
  // Subcommands inherit exitOverride only when set before they are added: set it on each one now too.
  for (const command of allCommands(program)) command.exitOverride();
  return program;
}

function allCommands(command: Command): Command[] {
  return command.commands.flatMap((c) => [c, ...allCommands(c)]);
}
