/**
 * How every command prints: one JSON document on stdout with `--json` (for scripts), readable lines otherwise;
 * errors mapped to the documented {@link ExitCode}s. Commands never print a raw session ID: stores only hold
 * keys (hashes of IDs), and the helpers here print nothing else.
 *
 * @module
 */
import {
  ConfigurationError,
  SessionKitError,
  StoreUnavailableError,
  UnsupportedOperationError,
} from '@sessionkit/core';
import type { Command } from 'commander';
import { CommanderError } from 'commander';
import { ExitCode } from './exit-codes.js';

/** Where output goes; tests and embedders may pass their own streams. */
export interface OutputStreams {
  /** Results (human text or the JSON document). */
  stdout: NodeJS.WritableStream;
  /** Human error messages and progress notes. */
  stderr: NodeJS.WritableStream;
}

/** The shape of an error printed with `--json` (`{ "error": ... }` on stdout). */
export interface JsonError {
  /** The SessionKit error code (e.g. `STORE_UNAVAILABLE`), or `USAGE` / `ERROR`. */
  code: string;
  /** The error class name. */
  name: string;
  /** The message (never contains a password or a session ID). */
  message: string;
  /** The store involved, when known. */
  store?: string;
  /** The exit code the process ends with. */
  exitCode: ExitCode;
}

/** Thrown by a command for wrong arguments that commander cannot detect itself; exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * The exit code an error maps to: unreachable backend 3, usage and configuration errors 2 (a malformed URL and a
 * missing adapter package are configuration errors), anything else 1.
 */
export function exitCodeFor(error: unknown): ExitCode {
  if (error instanceof StoreUnavailableError) return ExitCode.Unreachable;
  if (
    error instanceof UsageError ||
    error instanceof ConfigurationError ||
    error instanceof UnsupportedOperationError ||
    error instanceof CommanderError
  ) {
    return ExitCode.Usage;
  }
  return ExitCode.Failed;
}

/** Per-invocation printer: JSON or human, chosen by the global `--json` option. */
export class Output {
  /** Whether `--json` was given. */
  readonly json: boolean;
  readonly #streams: OutputStreams;

  constructor(json: boolean, streams: OutputStreams = { stdout: process.stdout, stderr: process.stderr }) {
    this.json = json;
    this.#streams = streams;
  }

  /**
   * Prints a command's result: `value` as one JSON document with `--json`, otherwise the `human` lines
   * (a function is only called in human mode).
   */
  result(value: unknown, human: string | readonly string[] | (() => string | readonly string[])): void {
    if (this.json) {
      this.#streams.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
      return;
    }
    const text = typeof human === 'function' ? human() : human;
    const lines = typeof text === 'string' ? [text] : text;
    if (lines.length > 0) this.#streams.stdout.write(`${lines.join('\n')}\n`);
  }

  /** A progress or advisory note for humans, on stderr (never mixed into the JSON document). */
  note(text: string): void {
    if (!this.json) this.#streams.stderr.write(`${text}\n`);
  }

  /** Prints `error` (JSON `{ "error": ... }` on stdout with `--json`, a message on stderr otherwise) and returns its exit code. */
  error(error: unknown): ExitCode {
    const exitCode = exitCodeFor(error);
    const err = error instanceof Error ? error : new Error(String(error));
    if (this.json) {
      const body: JsonError = {
        code: err instanceof SessionKitError ? err.code : err instanceof UsageError ? 'USAGE' : 'ERROR',
        name: err.name,
        message: err.message,
        exitCode,
      };
      if (err instanceof SessionKitError && err.store !== undefined) body.store = err.store;
      this.#streams.stdout.write(`${JSON.stringify({ error: body }, null, 2)}\n`);
    } else {
      // The cause's message only when it adds something (adapters usually fold it into their own message).
      const causeMessage = err.cause instanceof Error ? err.cause.message : '';
      const cause = causeMessage !== '' && !err.message.includes(causeMessage) ? ` (${causeMessage})` : '';
      this.#streams.stderr.write(`sessionkit: ${err.message}${cause}\n`);
    }
    return exitCode;
  }
}

/** The {@link Output} for a command, honouring the global `--json` option wherever it was written. */
export function outputFor(command: Command, streams?: OutputStreams): Output {
  return new Output(command.optsWithGlobals<{ json?: boolean }>().json === true, streams);
}

/**
 * Runs a command's body: prints any error it throws, and sets `process.exitCode` to what the body returned
 * ({@link ExitCode.Ok} if nothing) or to the error's exit code. Every command's action goes through this.
 */
export async function run(command: Command, body: (out: Output) => Promise<ExitCode | undefined>): Promise<void> {
  const out = outputFor(command);
  let code: ExitCode;
  try {
    code = (await body(out)) ?? ExitCode.Ok;
  } catch (error) {
    code = out.error(error);
  }
  process.exitCode = code;
}
