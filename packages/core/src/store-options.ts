/**
 * Option checks shared by every store's `resolveOptions`, so that the same mistake gets the same
 * {@link ConfigurationError} (tagged with the store) on every adapter.
 *
 * @module
 */
import { ConfigurationError } from './errors.js';

/** Bounds of an integer option. */
export interface IntegerBounds {
  /** Smallest accepted value (default 1). */
  min?: number;
  /** Largest accepted value (default `Number.MAX_SAFE_INTEGER`). */
  max?: number;
}

/**
 * An integer option: `fallback` when `value` is `undefined`, else `value` if it is a safe integer within
 * `bounds`; anything else throws {@link ConfigurationError} naming the option and its bounds.
 */
export function integerOption(
  store: string,
  name: string,
  value: unknown,
  fallback: number,
  bounds: IntegerBounds = {},
): number {
  if (value === undefined) return fallback;
  const min = bounds.min ?? 1;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `from ${min} to ${max}`;
    throw new ConfigurationError(`${name} must be an integer ${range}`, { store });
  }
  return value;
}

/** A string option: `fallback` when `value` is `undefined`; a non-string (or an empty one unless allowed) throws. */
export function stringOption(
  store: string,
  name: string,
  value: unknown,
  fallback: string,
  options: { allowEmpty?: boolean } = {},
): string {
  if (value === undefined) return fallback;
  if (typeof value !== 'string' || (!options.allowEmpty && value.length === 0)) {
    throw new ConfigurationError(`${name} must be a${options.allowEmpty ? '' : ' non-empty'} string`, { store });
  }
  return value;
}

/** The store's name (its tag in errors and metrics): `fallback`, or a non-empty string given by the user. */
export function storeName(value: unknown, fallback: string): string {
  return stringOption(fallback, 'name', value, fallback);
}

/**
 * Throws {@link ConfigurationError} if `options` still uses a name an earlier version had (`[old, now]` pairs),
 * naming the new one. Silently ignoring a renamed option would be worse than failing: an ignored `prefix`
 * moves every store sharing a backend onto the default prefix.
 */
export function refuseRenamedOptions(
  store: string,
  options: object,
  renamed: ReadonlyArray<readonly [string, string]>,
): void {
  for (const [old, now] of renamed) {
    if ((options as Record<string, unknown>)[old] !== undefined) {
      throw new ConfigurationError(`the ${old} option is now called ${now}`, { store });
    }
  }
}
