/**
 * Reads a V8 CPU profile (`node --cpu-prof`, a `.cpuprofile` JSON file) and summarizes where the time went: self
 * time per function (the samples whose top frame it was), the top frames overall and in @sessionkit/* code
 * (files under `packages/<name>/`), and the share of each SessionKit package. Used by `http-cpu.ts --profile`.
 *
 * @module
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

/** Self time of one function, in ms. */
interface Frame {
  name: string;
  where: string;
  ms: number;
}

/** The SessionKit package a script URL belongs to, if any (`.../packages/http/dist/context.js` → `http`). */
const sessionkitPackage = (url: string) => /\/packages\/([^/]+)\//.exec(url)?.[1];

/** The text summary of the one `.cpuprofile` file in `dir`. */
export function summarizeProfile(dir: string, top = 15): string {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) return `no .cpuprofile in ${dir}`;
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Profile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const frames = new Map<string, Frame>();
  let totalMs = 0;
  let idleMs = 0;
  for (const [i, id] of profile.samples.entries()) {
    const ms = (profile.timeDeltas[i] ?? 0) / 1000;
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    if (functionName === '(idle)') {
      idleMs += ms;
      continue;
    }
    totalMs += ms;
    const where = url ? `${url.replace(/^file:\/\/.*?\/(node_modules|packages)\//, '$1/')}:${lineNumber + 1}` : '';
    const key = `${functionName} ${where}`;
    const frame = frames.get(key) ?? { name: functionName || '(anonymous)', where, ms: 0 };
    frame.ms += ms;
    frames.set(key, frame);
  }
  const sorted = [...frames.values()].sort((a, b) => b.ms - a.ms);
  const pct = (ms: number) => `${((ms / totalMs) * 100).toFixed(1)} %`;
  const line = (f: Frame) => `  ${f.ms.toFixed(0).padStart(6)} ms ${pct(f.ms).padStart(7)}  ${f.name}  ${f.where}`;
  const ours = sorted.filter((f) => sessionkitPackage(f.where) !== undefined);
  const packages = new Map<string, number>();
  for (const f of ours)
    packages.set(sessionkitPackage(f.where)!, (packages.get(sessionkitPackage(f.where)!) ?? 0) + f.ms);
  return [
    `${join(dir, file)}: ${totalMs.toFixed(0)} ms sampled busy, ${idleMs.toFixed(0)} ms idle`,
    `top ${top} self-time frames:`,
    ...sorted.slice(0, top).map(line),
    `@sessionkit/* self time: ${[...packages].map(([p, ms]) => `${p} ${ms.toFixed(0)} ms (${pct(ms)})`).join(', ')}`,
    `top ${top} self-time frames in @sessionkit/*:`,
    ...ours.slice(0, top).map(line),
  ].join('\n');
}
