/**
 * Server CPU per request: each HTTP benchmark server (Express alone, express-session + connect-redis,
 * SessionKit with and without the Redis near cache) in its own child process under the same autocannon load,
 * with the CPU time the child used read from `/proc/<pid>/stat`. A measuring tool for docs/http.md (Linux
 * only), not a judged comparison: on a shared machine requests/s follows this figure.
 *
 * Run: `npx tsx bench/src/http-cpu.ts [variant,variant,...]`; `WRITES=0.1` sets the write share (default 0.1).
 */
import { readFileSync } from 'node:fs';
import { closeSide, load, openSide, type Variant } from './http.js';

/** User + system CPU time of a process so far, in ms (`/proc/<pid>/stat` fields 14 and 15, in 1/100 s). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const writeShare = Number(process.env.WRITES ?? '0.1');
const variants = (process.argv[2] ?? 'bare,lazy-floor,express-session,sessionkit,sessionkit-near').split(
  ',',
) as Variant[];
for (const variant of variants) {
  const side = await openSide(variant);
  try {
    await load(side.port, side.cookies, { durationSec: 2 }, writeShare); // warm-up
    const before = cpuMs(side.child.pid!);
    const result = await load(side.port, side.cookies, { durationSec: 6 }, writeShare);
    const perRequest = ((cpuMs(side.child.pid!) - before) * 1000) / result.total;
    console.log(
      `${variant.padEnd(16)} writes ${writeShare}: ${Math.round(result.requestsPerSec)} req/s, ${perRequest.toFixed(0)} µs CPU per request`,
    );
  } finally {
    await closeSide(side);
  }
}
