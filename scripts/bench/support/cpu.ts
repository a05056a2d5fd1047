/**
 * CPU time a server used, from /proc (Linux): on a shared machine throughput moves with whatever
 * else runs, while the CPU a request costs its server moves far less, so a small difference
 * between two servers shows in CPU per request long before it shows in requests a second.
 */
import fs from 'node:fs';

/** Clock ticks a second of /proc's utime and stime (USER_HZ): 100 on every Linux Node runs on. */
const TICKS_PER_SECOND = 100;

/** CPU seconds (user and system) used so far by a process and its live children (a node's workers). */
export function treeCpuSeconds(pid: number): number {
  let ticks = 0;
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // gone meanwhile
    }
    // After the command name in parentheses: state, ppid, … utime (14th field), stime (15th).
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(entry) === pid || Number(fields[1]) === pid) ticks += Number(fields[11]) + Number(fields[12]);
  }
  return ticks / TICKS_PER_SECOND;
}
