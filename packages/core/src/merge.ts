/**
 * The 3-way merge a commit runs after losing a compare-and-set: re-apply only the keys this request changed
 * on top of what the other writer stored. An attribute the other writer did not change keeps this request's
 * value; one changed through `Session.update` gets its updaters re-applied to the other writer's value; one
 * both wrote outright is a conflict, decided by policy: a stale read-then-write is rejected by default, a blind
 * write wins by default.
 *
 * @module
 */
import type { SessionData } from './codec.js';
import { ConfigurationError, ConflictError } from './errors.js';
import type { AttributeChange } from './session.js';

/** Whether the losing write was computed from a read of the attribute (`'read-then-write'`) or not (`'blind'`). */
export type ConflictKind = 'read-then-write' | 'blind';

/** What a custom resolver sees for one attribute both writers changed. */
export interface AttributeConflict {
  /** The attribute name. */
  key: string;
  /** Whether this request read the attribute before writing it. */
  kind: ConflictKind;
  /** The value both started from (`undefined` if it was absent). */
  base: unknown;
  /** This request's value (`undefined` if this request removed it). */
  ours: unknown;
  /** The value the other writer stored (`undefined` if it removed it). */
  theirs: unknown;
}

/**
 * How one same-attribute conflict is decided:
 * - `'reject'`: the commit fails with {@link ConflictError} (HTTP 409) and writes nothing;
 * - `'last-write-wins'`: this request's value wins;
 * - `'first-write-wins'`: the value already stored wins (this request's change to it is dropped);
 * - a function returning the merged value (`undefined` removes the attribute); it may throw
 *   {@link ConflictError} to reject.
 */
export type ConflictPolicy =
  | 'last-write-wins'
  | 'first-write-wins'
  | 'reject'
  | ((conflict: AttributeConflict) => unknown);

/** How same-attribute conflicts are decided, by kind of write and per attribute. */
export interface ConflictPolicies {
  /** A write computed from a read of the attribute, which another request changed meanwhile. Default `'reject'`. */
  readThenWrite?: ConflictPolicy;
  /** A write made without reading the attribute (a flash message, `lastSeen`). Default `'last-write-wins'`. */
  blindWrite?: ConflictPolicy;
  /** Per attribute name: overrides both of the above for that attribute. */
  attributes?: Readonly<Record<string, ConflictPolicy>>;
}

/** {@link ConflictPolicies} with every default filled in. */
export interface ResolvedConflictPolicies {
  readonly readThenWrite: ConflictPolicy;
  readonly blindWrite: ConflictPolicy;
  readonly attributes: ReadonlyMap<string, ConflictPolicy>;
}

/** Fills in the defaults of {@link ConflictPolicies} and checks every policy named. */
export function resolveConflictPolicies(policies: ConflictPolicies = {}): ResolvedConflictPolicies {
  const attributes = new Map(Object.entries(policies.attributes ?? {}));
  const resolved = {
    readThenWrite: policies.readThenWrite ?? 'reject',
    blindWrite: policies.blindWrite ?? 'last-write-wins',
    attributes,
  };
  for (const [name, policy] of [
    ['readThenWrite', resolved.readThenWrite],
    ['blindWrite', resolved.blindWrite],
    ...attributes,
  ] as const) {
    if (typeof policy !== 'function' && !POLICY_NAMES.has(policy)) {
      throw new ConfigurationError(
        `conflict policy for ${name} must be one of ${[...POLICY_NAMES].join(', ')} or a function`,
      );
    }
  }
  return resolved;
}

const POLICY_NAMES: ReadonlySet<unknown> = new Set(['reject', 'last-write-wins', 'first-write-wins']);

/** The outcome of a merge. */
export interface MergeResult {
  /** The attributes to write. */
  attributes: SessionData;
  /** The keys both writers changed outright, resolved by a policy. */
  conflicts: string[];
}

/**
 * Merges `changes` (made against `base`) onto `theirs`.
 * @throws {ConflictError} when a conflict's policy rejects it; nothing is merged then.
 */
export function mergeChanges(
  base: SessionData,
  theirs: SessionData,
  changes: ReadonlyMap<string, AttributeChange>,
  policies: ResolvedConflictPolicies,
): MergeResult {
  const attributes: SessionData = { ...theirs };
  const conflicts: string[] = [];
  const unchanged = theirs === base;
  for (const [key, change] of changes) {
    const ours = change.kind === 'unset' ? undefined : change.value;
    let value = ours;
    if (!unchanged) {
      const baseValue = Object.hasOwn(base, key) ? base[key] : undefined;
      const theirValue = Object.hasOwn(theirs, key) ? theirs[key] : undefined;
      if (!deepEqual(baseValue, theirValue)) {
        if (change.kind === 'update') {
          value = change.updaters.reduce<unknown>((current, updater) => updater(current), theirValue);
        } else if (change.readFirst || !deepEqual(ours, theirValue)) {
          // A read-then-write is stale even when it happens to store what the other writer stored: two
          // requests that both read n = 1 and wrote n + 1 made two increments, and only one would remain.
          conflicts.push(key);
          const kind: ConflictKind = change.readFirst ? 'read-then-write' : 'blind';
          const policy =
            policies.attributes.get(key) ?? (change.readFirst ? policies.readThenWrite : policies.blindWrite);
          value = resolve(policy, { key, kind, base: baseValue, ours, theirs: theirValue });
        }
      }
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
      throw new ConflictError(
        conflict.kind === 'read-then-write'
          ? `attribute "${conflict.key}" was changed by a concurrent request after this request read it`
          : `attribute "${conflict.key}" was changed by a concurrent request`,
        { operation: 'commit', attributes: [conflict.key] },
      );
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
  return aKeys.every((key) => Object.hasOwn(b, key) && deepEqual((a as SessionData)[key], (b as SessionData)[key]));
}
