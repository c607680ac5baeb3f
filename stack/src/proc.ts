/**
 * Process helpers for the stack: run a command to completion, spawn a detached service whose
 * output goes to a log file, and stop what we started by PID (process group), never by name.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import net from 'node:net';

export const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;

export interface RunOptions {
  asUser?: string;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  input?: string;
}

/** Runs a command synchronously; throws with its output when it fails. */
export function run(cmd: string, args: string[], opts: RunOptions = {}): SpawnSyncReturns<string> {
  const [file, argv] = opts.asUser ? ['runuser', ['-u', opts.asUser, '--', cmd, ...args]] : [cmd, args];
  const res = spawnSync(file, argv, {
    env: opts.env ?? process.env,
    cwd: opts.cwd,
    input: opts.input,
    encoding: 'utf8',
  });
  if (res.error) throw new Error(`Could not run ${cmd}: ${res.error.message}`);
  if (res.status !== 0) {
    throw new Error(`${cmd} ${args.join(' ')} exited with ${res.status}:\n${(res.stderr || res.stdout).trim()}`);
  }
  return res;
}

/** Starts a long-running service in its own process group, detached from ours, logging to a file. */
export function spawnService(cmd: string, args: string[], logFile: string, env: NodeJS.ProcessEnv, cwd?: string): number {
  const out = openSync(logFile, 'a');
  try {
    const child = spawn(cmd, args, { env, cwd, detached: true, stdio: ['ignore', out, out] });
    if (child.pid === undefined) throw new Error(`Could not start ${cmd}`);
    child.unref();
    return child.pid;
  } finally {
    closeSync(out);
  }
}

export function isAlive(pid: number | undefined): boolean {
  if (!pid) return false;
  try {
    process.kill(pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  // A zombie has exited; it only waits for a parent to reap it (in containers whose init does not
  // reap orphans, daemonised servers like postgres linger this way after a clean stop).
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return process.platform !== 'linux';
  }
}

/** Stops a service we spawned (its whole process group): SIGTERM, then SIGKILL after a grace period. */
export async function stopPid(pid: number, graceMs = 5000): Promise<void> {
  const signal = (sig: NodeJS.Signals) => {
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        process.kill(pid, sig);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(50);
  if (isAlive(pid)) signal('SIGKILL');
  while (isAlive(pid)) await sleep(20);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** True when something accepts TCP connections on host:port. */
export function portInUse(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.setTimeout(1000, () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/**
 * Polls `check` until it passes. With `pid`/`logFile`, a service that dies while starting is
 * reported at once with the end of its log, instead of after the whole timeout.
 */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  timeoutMs: number,
  hint: string,
  watch?: { pid: number; logFile: string },
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check().catch(() => false)) return;
    if (watch && !isAlive(watch.pid)) {
      throw new Error(`${what} exited while starting. Last lines of ${watch.logFile}:\n${tail(watch.logFile, 15)}`);
    }
    await sleep(100);
  }
  throw new Error(`${what} did not become ready within ${Math.round(timeoutMs / 1000)} s. ${hint}`);
}

export function tail(file: string, lines: number): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
