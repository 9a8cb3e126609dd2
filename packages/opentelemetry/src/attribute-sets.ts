/**
 * Precomputed metric attribute sets, so recording a measurement allocates nothing.
 *
 * @module
 */
import type { Attributes } from '@opentelemetry/api';

/** One frozen attribute set `{ [name]: value }` per value of `values`. */
export function attributeSets<V extends string>(name: string, values: readonly V[]): Record<V, Attributes> {
  return Object.fromEntries(values.map((value) => [value, Object.freeze({ [name]: value })])) as Record<V, Attributes>;
}
