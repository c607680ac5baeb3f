/**
 * Local stand-in for production's pg_cron jobs (migration 20261130001000): the gateway process
 * calls the `schedule` and `notify` edge functions with the service-role key every minute, so
 * nightly crawls get queued and alert emails land in the local mailbox without any setup.
 *
 *   FLOWLENS_TIMERS=off              disables them (test stacks start with them off)
 *   FLOWLENS_TIMER_INTERVAL_MS=60000 the period
 * A tick never overlaps the previous one; failures are logged and the next tick tries again.
 */
import { type NotifyRequest, NotifyResponseSchema, type ScheduleRequest, ScheduleResponseSchema } from '@flowlens/core/edge-functions';

/** What a tick sends: no options (the functions work at the clock's time, on every site). */
const TICK_BODY: ScheduleRequest & NotifyRequest = {};
export interface TimerOptions {
  functionsUrl: string;
  serviceRoleKey: string;
  intervalMs?: number;
  functions?: string[];
  log?: (line: string) => void;
  fetchImpl?: typeof fetch;
}

export interface Timers {
  /** Runs one tick now (and resolves when it finished). */
  tick(): Promise<void>;
  stop(): void;
}

export function timersEnabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return !['off', '0', 'false', 'no'].includes((env.FLOWLENS_TIMERS ?? 'on').trim().toLowerCase());
}

export function startTimers(opts: TimerOptions): Timers {
  const names = opts.functions ?? ['schedule', 'notify'];
  const log = opts.log ?? ((l: string) => console.log(l));
  const doFetch = opts.fetchImpl ?? fetch;
  const interval = opts.intervalMs ?? 60_000;
  let running: Promise<void> | null = null;
  let stopped = false;

  const callOne = async (name: string) => {
    try {
      const res = await doFetch(`${opts.functionsUrl}/${name}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${opts.serviceRoleKey}`, 'content-type': 'application/json' },
        body: JSON.stringify(TICK_BODY),
        signal: AbortSignal.timeout(Math.max(interval, 30_000)),
      });
      const text = await res.text();
      if (!res.ok) {
        log(`timers: ${name} answered ${res.status}: ${text.slice(0, 300)}`);
        return;
      }
      // The answers' contracts are core's (core/src/edge-functions.ts); an unexpected one is logged.
      const body: unknown = JSON.parse(text);
      const answer = name === 'schedule' ? ScheduleResponseSchema.safeParse(body) : name === 'notify' ? NotifyResponseSchema.safeParse(body) : null;
      if (answer && !answer.success) {
        log(`timers: ${name} answered something unexpected: ${text.slice(0, 300)}`);
        return;
      }
      const data = answer?.data;
      const did = !data ? 0 : 'runs' in data ? data.runs.length : data.outcomes.length;
      if (did > 0) log(`timers: ${name} ${name === 'schedule' ? `queued ${did} run(s)` : `handled ${did} notification(s)`}`);
    } catch (e) {
      log(`timers: ${name} failed: ${(e as Error).message}`);
    }
  };

  const tick = () => {
    if (running) return running;
    running = (async () => {
      for (const name of names) await callOne(name);
    })().finally(() => {
      running = null;
    });
    return running;
  };

  const handle = setInterval(() => {
    if (!stopped) void tick();
  }, interval);
  handle.unref?.();
  return {
    tick,
    stop() {
      stopped = true;
      clearInterval(handle);
    },
  };
}
