/**
 * The `db.system` of a store: the backend its name starts with, as OpenTelemetry's database semantic
 * conventions spell it.
 *
 * @module
 */

const SYSTEMS = ['redis', 'memcached', 'cassandra', 'dynamodb', 'hazelcast', 'memory', 'tiered'] as const;

/**
 * The `db.system` for a store named `name`: `redis`, `memcached`, `cassandra`, `dynamodb`, `hazelcast`,
 * `memory` or `tiered` when the name starts with one of them (adapters' default names do), else the name itself.
 */
export function dbSystem(name: string): string {
  const lower = name.toLowerCase();
  return SYSTEMS.find((system) => lower.startsWith(system)) ?? name;
}
