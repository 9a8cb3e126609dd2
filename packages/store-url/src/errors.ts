/**
 * The errors of this package, both {@link ConfigurationError}s of core (code `CONFIGURATION`): the URL cannot be
 * used, or the adapter it names is not installed.
 *
 * @module
 */
import { ConfigurationError } from '@sessionkit/core';

/** A store URL that cannot be used; the message says what is wrong and what is accepted (never a password). */
export class StoreUrlError extends ConfigurationError {
  constructor(message: string) {
    super(`store URL: ${message}`);
  }
}

/**
 * The URL names a backend whose adapter package is not installed (adapters are optional peer dependencies,
 * loaded only when chosen). {@link packageName} is what to install.
 */
export class AdapterNotInstalledError extends ConfigurationError {
  /** The npm package to install, e.g. `@sessionkit/redis`. */
  readonly packageName: string;
  constructor(packageName: string, kind: string, cause: unknown) {
    super(`the ${kind} store needs ${packageName}: install it with \`npm install ${packageName}\``, { cause });
    this.packageName = packageName;
  }
}
