/**
 * Reads a V8 CPU profile (`node --cpu-prof`, a `.cpuprofile` JSON file) and summarizes where the time went: self
 * time per function (the samples whose top frame it was), the top frames overall and in @sessionkit/* code
 * (files under `packages/<name>/`), and the share of each SessionKit package. A frame of Node's own (a native
 * socket write, say) is shown with the library function that led to it (the nearest caller in `node_modules/`,
 * `packages/` or the bench), so `writeBuffer` reads as, e.g., an ioredis `sendCommand` from the Redis store. Used
 * by `http-cpu.ts --profile`.
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function, in ms, with the callers it was reached from when it is one of Node's own. */
interface Frame {
  name: string;
  where: string;
  ms: number;
  via: Map<string, number>;
}

/** A script URL as a short location: `packages/http/dist/context.js:41`, `node_modules/ioredis/...`, or ''. */
const location = (node: ProfileNode) =>
  node.callFrame.url
    ? `${node.callFrame.url.replace(/^file:\/\/.*?\/(node_modules|packages|bench)\//, '$1/')}:${node.callFrame.lineNumber + 1}`
    : '';

/** Whether a location is code of a library, SessionKit or the bench (not Node's own). */
const isUserland = (where: string) => /^(node_modules|packages|bench)\//.test(where);

/** The SessionKit package a location belongs to, if any (`packages/http/dist/context.js:41` → `http`). */
const sessionkitPackage = (where: string) => /^packages\/([^/]+)\//.exec(where)?.[1];

/** The text summary of the one `.cpuprofile` file in `dir`. */
export function summarizeProfile(dir: string, top = 15): string {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return `no .cpuprofile in ${dir}`;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  /** The nearest caller of `id` in userland code, as `function location`. */
  const userlandCaller = (id: number): string | undefined => {
    for (let at = parent.get(id); at !== undefined; at = parent.get(at)) {
      const node = byId.get(at)!;
      if (isUserland(location(node))) return `${node.callFrame.functionName || '(anonymous)'} ${location(node)}`;
    }
    return undefined;
  };
  const frames = new Map<string, Frame>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [i, id] of profile.samples.entries()) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    totalMs += ms;
    const where = location(node);
    const key = `${node.callFrame.functionName} ${where}`;
    const frame = frames.get(key) ?? {
      name: node.callFrame.functionName || '(anonymous)',
      where,
      ms: 0,
      via: new Map(),
    };
    frame.ms += ms;
    const caller = isUserland(where) ? undefined : userlandCaller(id);
    if (caller) frame.via.set(caller, (frame.via.get(caller) ?? 0) + ms);
    frames.set(key, frame);
  }
  const sorted = [...frames.values()].sort((a, b) => b.ms - a.ms);
  const pct = (ms: number) => `${((ms / totalMs) * 100).toFixed(1)} %`;
  const lines = (f: Frame) => [
    `  ${f.ms.toFixed(0).padStart(6)} ms ${pct(f.ms).padStart(7)}  ${f.name}  ${f.where}`,
    ...[...f.via]
      .sort((a, b) => b[1] - a[1])
      .slice(0, 2)
      .map(([caller, ms]) => `${' '.repeat(20)}${ms.toFixed(0)} ms via ${caller}`),
  ];
  const ours = sorted.filter((f) => sessionkitPackage(f.where) !== undefined);
  const packages = new Map<string, number>();
  for (const f of ours) {
    const name = sessionkitPackage(f.where)!;
    packages.set(name, (packages.get(name) ?? 0) + f.ms);
  }
  return [
    `${join(dir, file)}: ${totalMs.toFixed(0)} ms sampled busy, ${idleMs.toFixed(0)} ms idle`,
    `top ${top} self-time frames:`,
    ...sorted.slice(0, top).flatMap(lines),
    `@sessionkit/* self time: ${[...packages].map(([name, ms]) => `${name} ${ms.toFixed(0)} ms (${pct(ms)})`).join(', ')}`,
    `top ${top} self-time frames in @sessionkit/*:`,
    ...ours.slice(0, top).flatMap(lines),
  ].join('\n');
}
