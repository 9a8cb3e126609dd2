import { setTimeout as sleep } from 'node:timers/promises';

export { sleep };

/** A key unique to this run, so reruns against long-lived servers never see old data. */
export const uniqueKey = (prefix: string): string =>
  `sk-smoke:${prefix}:${process.pid}:${Date.now()}:${Math.random().toString(36).slice(2)}`;
