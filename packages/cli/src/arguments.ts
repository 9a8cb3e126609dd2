/**
 * Argument parsers shared by the commands (commander `argParser` callbacks).
 *
 * @module
 */
import { InvalidArgumentError } from 'commander';

/** Parses a positive integer option value; anything else is a usage error (exit code 2). */
export function positiveInteger(value: string): number {
  if (!/^\d+$/.test(value) || Number(value) < 1 || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('expected a positive integer');
  }
  return Number(value);
}

/** Parses a non-negative integer option value (0 allowed); anything else is a usage error (exit code 2). */
export function nonNegativeInteger(value: string): number {
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(Number(value))) {
    throw new InvalidArgumentError('expected a whole number (0 or more)');
  }
  return Number(value);
}
