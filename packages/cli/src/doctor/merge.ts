/**
 * Folding the same check run on several servers (Cluster nodes, a Sentinel master and its replicas, memcached
 * servers) into one line per check: the worst status wins, and the finding names which servers said what.
 *
 * @module
 */
import { type CheckResult, worse } from './check.js';

/** The results of one server, labelled by its address. */
export interface NodeResults {
  node: string;
  results: readonly CheckResult[];
}

/**
 * One result per check id, in first-seen order. Servers with the same status and finding are listed together
 * (`all 6 servers: ...` when they all agree; `noun` names them); the fix is the one of the worst group.
 */
export function mergeNodeResults(perNode: readonly NodeResults[], noun = 'servers'): CheckResult[] {
  const groups = new Map<string, Map<string, { result: CheckResult; nodes: string[] }>>();
  for (const { node, results } of perNode) {
    for (const result of results) {
      let byFinding = groups.get(result.id);
      if (!byFinding) {
        byFinding = new Map();
        groups.set(result.id, byFinding);
      }
      const key = `${result.status}\u0000${result.finding}`;
      const group = byFinding.get(key);
      if (group) group.nodes.push(node);
      else byFinding.set(key, { result, nodes: [node] });
    }
  }
  const total = perNode.length;
  return [...groups.entries()].map(([id, byFinding]) => {
    const list = [...byFinding.values()];
    const status = list.reduce((acc, g) => worse(acc, g.result.status), list[0]!.result.status);
    const worst = list.find((g) => g.result.status === status)!.result;
    const finding =
      list.length === 1 && list[0]!.nodes.length === total && total > 1
        ? `${total === 2 ? `both ${noun}` : `all ${total} ${noun}`}: ${worst.finding}`
        : list
            .sort((a, b) => rank(b.result.status) - rank(a.result.status))
            .map((g) => `${g.nodes.join(', ')}: ${g.result.finding}`)
            .join(' | ');
    const merged: CheckResult = { id, status, finding };
    if (worst.fix !== undefined) merged.fix = worst.fix;
    return merged;
  });
}

function rank(status: CheckResult['status']): number {
  return status === 'fail' ? 2 : status === 'warn' ? 1 : 0;
}
