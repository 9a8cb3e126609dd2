/**
 * Counts a {@link SessionManager}'s lifecycle, conflict, retry and touch events.
 *
 * @module
 */
import type { Counter, Meter } from '@opentelemetry/api';
import type { SessionManager } from '@sessionkit/core';
import { attributeSets } from './attribute-sets.js';
import { ATTR, METRICS } from './names.js';

/** The counters {@link observeManagerEvents} adds to, made once per meter. */
export class ManagerCounters {
  readonly lifecycle: Counter;
  readonly conflicts: Counter;
  readonly retries: Counter;
  readonly touches: Counter;

  constructor(meter: Meter) {
    this.lifecycle = meter.createCounter(METRICS.lifecycle, {
      description: 'Sessions created, regenerated, destroyed, found expired on read, or evicted by the per-user limit',
    });
    this.conflicts = meter.createCounter(METRICS.conflicts, {
      description: 'Commits that met a concurrent change, by how it was resolved',
    });
    this.retries = meter.createCounter(METRICS.commitRetries, {
      description: 'Compare-and-set attempts beyond the first (a concurrent writer won the previous one)',
    });
    this.touches = meter.createCounter(METRICS.touches, {
      description: 'Touch decisions of commits of unchanged sessions: written, or throttled by touchAfter',
    });
  }
}

const EVENT = attributeSets(ATTR.event, ['created', 'regenerated', 'destroyed', 'expired', 'evicted']);
const RESOLUTION = attributeSets(ATTR.resolution, ['merged', 'reapplied', 'rejected']);
const OPERATION = attributeSets(ATTR.operation, ['commit', 'update']);
const TOUCH = attributeSets(ATTR.touch, ['written', 'throttled']);

/**
 * Subscribes `counters` to the manager's events. A session destroyed by the per-user limit counts as `evicted`,
 * not `destroyed`; the session a regenerate writes also counts as `created`. Returns a function that unsubscribes.
 */
export function observeManagerEvents(manager: SessionManager, counters: ManagerCounters): () => void {
  const { lifecycle, conflicts, retries, touches } = counters;
  const off = [
    manager.on('created', () => lifecycle.add(1, EVENT.created)),
    manager.on('regenerated', () => lifecycle.add(1, EVENT.regenerated)),
    manager.on('destroyed', ({ reason }) => lifecycle.add(1, reason === 'limit' ? EVENT.evicted : EVENT.destroyed)),
    manager.on('expired', () => lifecycle.add(1, EVENT.expired)),
    manager.on('conflict', ({ resolution }) => conflicts.add(1, RESOLUTION[resolution])),
    manager.on('retry', ({ operation }) => retries.add(1, OPERATION[operation])),
    manager.on('touch', ({ written }) => touches.add(1, written ? TOUCH.written : TOUCH.throttled)),
  ];
  return () => {
    for (const unsubscribe of off) unsubscribe();
  };
}
