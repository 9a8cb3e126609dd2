/** The lightweight abort signal handed to the SDK (see src/deadline-signal.ts for why it exists). */
import { describe, expect, it } from 'vitest';
import { DeadlineSignal } from '../src/deadline-signal.js';

describe('DeadlineSignal', () => {
  it('calls each listener once, skips removed ones, and sets aborted/reason', () => {
    const signal = new DeadlineSignal();
    const calls: string[] = [];
    const removed = () => calls.push('removed');
    signal.addEventListener('abort', () => calls.push('a'));
    signal.addEventListener('abort', removed);
    signal.addEventListener('other', () => calls.push('other'));
    signal.onabort = () => calls.push('onabort');
    signal.removeEventListener('abort', removed);
    const reason = new Error('deadline');
    signal.abort(reason);
    signal.abort(new Error('again'));
    expect(calls).toEqual(['a', 'onabort']);
    expect(signal.aborted).toBe(true);
    expect(signal.reason).toBe(reason);
  });

  it('a throwing listener does not stop the others', () => {
    const signal = new DeadlineSignal();
    let reached = false;
    signal.addEventListener('abort', () => {
      throw new Error('listener bug');
    });
    signal.addEventListener('abort', () => {
      reached = true;
    });
    signal.abort('x');
    expect(reached).toBe(true);
  });
});
