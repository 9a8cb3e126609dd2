/**
 * The typed errors of the copy engine, in core's {@link SessionKitError} family.
 *
 * @module
 */
import { ConfigurationError, UnsupportedOperationError } from '@sessionkit/core';

/**
 * The source store cannot list its sessions (it has no `scan`, e.g. memcached, whose protocol has no way to
 * enumerate keys), so nothing can be copied from it. Tagged with the source store's name.
 */
export class SourceNotEnumerableError extends UnsupportedOperationError {
  constructor(store: string) {
    const why = store.startsWith('memcached')
      ? 'memcached cannot be enumerated: its protocol has no way to list keys, so its sessions cannot be copied'
      : store.startsWith('tiered')
        ? 'a tiered store is not enumerated as a pair: copy from its durable tier, the source of truth'
        : `the store "${store}" cannot be enumerated (it has no scan), so its sessions cannot be copied`;
    super(`${why}; copy from a store that supports scan (Redis, Cassandra, DynamoDB, Hazelcast, memory)`, {
      store,
      operation: 'scan',
    });
  }
}

/**
 * A checkpoint file cannot be used: unreadable, not a copy checkpoint, written for another source or target,
 * or already present when the copy was not asked to resume.
 */
export class CheckpointError extends ConfigurationError {
  /** The checkpoint file's path. */
  readonly path: string;
  constructor(message: string, path: string, cause?: unknown) {
    super(
      `checkpoint ${path}: ${message}`,
      cause === undefined ? { operation: 'checkpoint' } : { operation: 'checkpoint', cause },
    );
    this.path = path;
  }
}
