/**
 * Runs the program on an argument list and resolves with the exit code, without exiting (bin.ts exits).
 *
 * @module
 */
import { CommanderError } from 'commander';
import { ExitCode } from './exit-codes.js';
import { createProgram } from './program.js';

/** Parses `argv` (as `process.argv`: node, script, args...), runs the command, and resolves with its exit code. */
export async function main(argv: readonly string[]): Promise<ExitCode> {
  const program = createProgram();
  process.exitCode = undefined;
  try {
    await program.parseAsync([...argv]);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version are "errors" under exitOverride; commander already printed them and any usage message.
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    throw error;
  }
  return (process.exitCode ?? ExitCode.Ok) as ExitCode;
}
