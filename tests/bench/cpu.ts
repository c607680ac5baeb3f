/**
 * CPU time for benchmarks (Linux): this Node process (`process.cpuUsage`) plus every process below
 * it — the Chromium browser, its zygotes, renderers and GPU/network utilities — read from
 * /proc/<pid>/stat. A child that exits is reaped by its parent, which then carries its time in
 * cutime/cstime, so user + system + children's user + system summed over the live descendants counts
 * every process once. Subtrees in `exclude` (a fixture server run as a child) are left out.
 */
import { readdirSync, readFileSync } from 'node:fs';

/** Linux reports times in clock ticks of 1/100 s (CLK_TCK = 100 on every mainstream kernel build). */
const MS_PER_TICK = 10;

interface Proc {
  ppid: number;
  ticks: number;
}

function snapshot(): Map<number, Proc> {
  const out = new Map<number, Proc>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue; // exited while we read
    }
    // "pid (comm) state ppid … utime stime cutime cstime …": comm may hold spaces and parentheses.
    const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const n = (i: number) => Number(rest[i]) || 0;
    out.set(Number(name), { ppid: n(1), ticks: n(11) + n(12) + n(13) + n(14) });
  }
  return out;
}

/** Milliseconds of CPU used so far by the descendants of `root` (not root itself), without the `exclude` subtrees. */
export function descendantsCpuMs(root: number = process.pid, exclude: ReadonlySet<number> = new Set()): number {
  const procs = snapshot();
  const children = new Map<number, number[]>();
  for (const [pid, p] of procs) children.set(p.ppid, [...(children.get(p.ppid) ?? []), pid]);
  let ticks = 0;
  const stack = [...(children.get(root) ?? [])];
  while (stack.length > 0) {
    const pid = stack.pop()!;
    if (exclude.has(pid)) continue;
    ticks += procs.get(pid)?.ticks ?? 0;
    stack.push(...(children.get(pid) ?? []));
  }
  return ticks * MS_PER_TICK;
}

/** Milliseconds of CPU this Node process used so far (user + system). */
export function ownCpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

export interface Cost {
  wallMs: number;
  /** This process: the replay driver, Playwright's client, the egress proxy when used. */
  nodeCpuMs: number;
  /** Chromium, every process of it. */
  browserCpuMs: number;
}

/** Runs `work` and measures its wall time and the CPU of this process and its descendants. */
export async function measure(work: () => Promise<unknown>, exclude: ReadonlySet<number> = new Set()): Promise<Cost> {
  const node0 = ownCpuMs();
  const browser0 = descendantsCpuMs(process.pid, exclude);
  const t0 = performance.now();
  await work();
  const wallMs = performance.now() - t0;
  return { wallMs, nodeCpuMs: ownCpuMs() - node0, browserCpuMs: descendantsCpuMs(process.pid, exclude) - browser0 };
}
