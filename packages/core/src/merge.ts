/**
 * The 3-way merge a commit runs after losing a compare-and-set: re-apply only the keys this request changed
 * on top of what the other writer stored, resolving same-key conflicts with a policy.
 *
 * @module
 */
import type { SessionData } from './codec.js';
import { ConflictError } from './errors.js';
import type { AttributeChange } from './session.js';

/** What a custom resolver sees for one attribute both writers changed. */
export interface AttributeConflict {
  /** The attribute name. */
  key: string;
  /** The value both started from (`undefined` if it was absent). */
  base: unknown;
  /** This request's value (`undefined` if this request removed it). */
  ours: unknown;
  /** The value the other writer stored (`undefined` if it removed it). */
  theirs: unknown;
}

/**
 * How a same-key conflict is decided:
 * - `'last-write-wins'` (default): this request's value wins;
 * - `'first-write-wins'`: the value already stored wins;
 * - `'reject'`: the commit fails with {@link ConflictError};
 * - a function returning the merged value (`undefined` removes the attribute).
 */
export type ConflictPolicy =
  | 'last-write-wins'
  | 'first-write-wins'
  | 'reject'
  | ((conflict: AttributeConflict) => unknown);

/** The outcome of a merge. */
export interface MergeResult {
  /** The attributes to write. */
  attributes: SessionData;
  /** The keys both writers changed. */
  conflicts: string[];
}

/** Merges `changes` (made against `base`) onto `theirs`. */
export function mergeChanges(
  base: SessionData,
  theirs: SessionData,
  changes: ReadonlyMap<string, AttributeChange>,
  policy: ConflictPolicy,
): MergeResult {
  const attributes: SessionData = { ...theirs };
  if (theirs === base) {
    // First attempt: nobody else wrote, so there is nothing to compare.
    for (const [key, change] of changes) {
      if (change.kind === 'set') attributes[key] = change.value;
      else delete attributes[key];
    }
    return { attributes, conflicts: [] };
  }
  const conflicts: string[] = [];
  for (const [key, change] of changes) {
    const ours = change.kind === 'set' ? change.value : undefined;
    const baseValue = Object.hasOwn(base, key) ? base[key] : undefined;
    const theirValue = Object.hasOwn(theirs, key) ? theirs[key] : undefined;
    let value = ours;
    if (!deepEqual(baseValue, theirValue) && !deepEqual(ours, theirValue)) {
      conflicts.push(key);
      value = resolve(policy, { key, base: baseValue, ours, theirs: theirValue });
    }
    if (value === undefined) delete attributes[key];
    else attributes[key] = value;
  }
  return { attributes, conflicts };
}

function resolve(policy: ConflictPolicy, conflict: AttributeConflict): unknown {
  switch (policy) {
    case 'last-write-wins':
      return conflict.ours;
    case 'first-write-wins':
      return conflict.theirs;
    case 'reject':
      throw new ConflictError(`attribute "${conflict.key}" was changed by a concurrent request`, {
        operation: 'commit',
      });
    default:
      return policy(conflict);
  }
}

/** Structural equality over the values a session can hold (primitives, Dates, arrays, plain objects). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (a instanceof Date || b instanceof Date) {
    return a instanceof Date && b instanceof Date && a.getTime() === b.getTime();
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => deepEqual(item, b[index]));
  }
  const aKeys = Object.keys(a);
  if (aKeys.length !== Object.keys(b).length) return false;
  return aKeys.every(
    (key) => Object.hasOwn(b, key) && deepEqual((a as SessionData)[key], (b as SessionData)[key]),
  );
}
