/**
 * The exit codes of the `sessionkit` command. Scripts branch on these; they are part of the public interface
 * (documented in the package README and docs/cli.md) and never change meaning.
 *
 * @module
 */

/**
 * | code | name | meaning |
 * | --- | --- | --- |
 * | 0 | `Ok` | the command did what was asked (including "nothing to do", e.g. no schema on this backend) |
 * | 1 | `Failed` | the command ran but a check or an operation failed (a doctor check failed, a copy left failures, an unexpected error) |
 * | 2 | `Usage` | usage or configuration error: unknown command or option, a malformed store URL, an adapter package not installed, an operation the backend does not support |
 * | 3 | `Unreachable` | the backend could not be reached or did not answer in time (`StoreUnavailableError`) |
 */
export const ExitCode = {
  /** The command did what was asked. */
  Ok: 0,
  /** The command ran, but a check or an operation failed. */
  Failed: 1,
  /** Bad arguments, a malformed store URL, a missing adapter package, an unsupported operation. */
  Usage: 2,
  /** The backend could not be reached or timed out. */
  Unreachable: 3,
} as const;

/** One of the {@link ExitCode} values. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
