/**
 * The doctor's result model: every check ends in one {@link CheckResult} — `pass`, `warn` or `fail` — carrying
 * what was observed (`finding`) and, unless it passed, what to do about it (`fix`).
 *
 * @module
 */

/** Outcome of one check: `fail` makes `sessionkit doctor` exit non-zero, `warn` does not. */
export type CheckStatus = 'pass' | 'warn' | 'fail';

/** One finding of `sessionkit doctor`. */
export interface CheckResult {
  /** Stable identifier for scripts, `<backend>.<check>`, e.g. `redis.maxmemory-policy`. */
  id: string;
  /** Outcome. */
  status: CheckStatus;
  /** What was observed, in one or two sentences, with the figures that led to the status. */
  finding: string;
  /** What to change (commands or settings). Absent when the check passed. */
  fix?: string;
  /** What the check looked at when it is not the whole store: a node address, a table, a map, a tier. */
  target?: string;
}

/** Severity order, for picking the worst of several results. */
const RANK: Record<CheckStatus, number> = { pass: 0, warn: 1, fail: 2 };

/** A passing result. */
export function pass(id: string, finding: string, target?: string): CheckResult {
  return target === undefined ? { id, status: 'pass', finding } : { id, status: 'pass', finding, target };
}

/** A warning: sessions work, but a failure or load pattern named in `finding` would hurt them. */
export function warn(id: string, finding: string, fix: string, target?: string): CheckResult {
  return target === undefined ? { id, status: 'warn', finding, fix } : { id, status: 'warn', finding, fix, target };
}

/** A failure: the configuration loses, resurrects or refuses sessions now or at the next ordinary event. */
export function fail(id: string, finding: string, fix: string, target?: string): CheckResult {
  return target === undefined ? { id, status: 'fail', finding, fix } : { id, status: 'fail', finding, fix, target };
}

/** The worse of two statuses. */
export function worse(a: CheckStatus, b: CheckStatus): CheckStatus {
  return RANK[a] >= RANK[b] ? a : b;
}

/** The worst status among `results` (`pass` for none). */
export function worstStatus(results: readonly CheckResult[]): CheckStatus {
  return results.reduce<CheckStatus>((acc, r) => worse(acc, r.status), 'pass');
}

/** `results` with `target` set (or prefixed, for results that already name one) — used for tiers and nodes. */
export function withTarget(results: readonly CheckResult[], target: string): CheckResult[] {
  return results.map((r) => ({ ...r, target: r.target === undefined ? target : `${target} ${r.target}` }));
}

/** A short, single-line message of an unknown error (no stack). */
export function errorMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.replace(/\s+/g, ' ').trim();
}
