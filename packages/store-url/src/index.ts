/**
 * `@sessionkit/store-url`: one string picks a SessionKit store. {@link parseStoreUrl} turns a store URL into a
 * {@link StoreSpec} (pure), {@link openStore} opens it (importing the chosen adapter only), and
 * {@link describeStore} / {@link storeServer} describe it without credentials. Used by the demo shop and the
 * `sessionkit` CLI; the forms are listed in the README.
 *
 * @module
 */
export type { AdapterBackend } from './adapters.js';
export { ADAPTER_PACKAGES, importAdapter } from './adapters.js';
export { createStore } from './create.js';
export { describeStore, storeServer } from './describe.js';
export { AdapterNotInstalledError, StoreUrlError } from './errors.js';
export { formatHost, formatHostList } from './hosts.js';
export type { OpenStoreOptions } from './open.js';
export { openStore } from './open.js';
export { ACCEPTED_FORMS, parseStoreUrl } from './parse.js';
export type { HostPort, KeyPrefixed, LeafStoreSpec, RedisAuth, StoreKind, StoreSpec } from './spec.js';
