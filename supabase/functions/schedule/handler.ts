/**
 * `schedule`: enqueues the nightly crawls that are due. Called every 5 minutes by pg_cron in
 * production and every minute by the local stack's timer; only the service role may call it.
 * Body (optional): { now?: ISO time } — the service role may inject the time (tests, demos).
 * Answer: { now, runs: [{ siteId, slot, runId }] } — the runs this call created; a slot that
 * already has its run (another call got there first) is not listed again.
 */
import { effectiveNow, isServiceRole } from '../_shared/auth.ts';
import { json, preflight } from '../_shared/cors.ts';
import { db, type Db } from '../_shared/db.ts';
import { log } from '../_shared/log.ts';
import { readBody, TIMER_BODY_RULES } from '../_shared/body.ts';
import { type ScheduleResponse, ScheduleRequestSchema } from '../../../core/src/edge-functions.ts';

export type ScheduledRun = ScheduleResponse['runs'][number];

export async function scheduleDueRuns(pool: Db, now: Date): Promise<ScheduledRun[]> {
  const { rows } = await pool.query<{ site_id: string; slot: Date; run_id: string }>(
    'select site_id, slot, run_id from private.schedule_due_runs($1::timestamptz)',
    [now.toISOString()],
  );
  return rows.map((r) => ({ siteId: r.site_id, slot: new Date(r.slot).toISOString(), runId: r.run_id }));
}

export async function handler(req: Request): Promise<Response> {
  const pre = preflight(req);
  if (pre) return pre;
  if (req.method !== 'POST') return json({ error: 'Use POST.' }, 405, { allow: 'POST' });
  if (!isServiceRole(req)) return json({ error: 'Only the service role (pg_cron, the local stack) may run the scheduler.' }, 403);
  // core's contract for the optional body (core/src/edge-functions.ts); none at all means "now".
  const read = await readBody(req, ScheduleRequestSchema, TIMER_BODY_RULES);
  if (!read.ok) return read.response;
  const now = effectiveNow(req, read.value.now);
  if ('error' in now) return json({ error: now.error }, 400);
  const runs = await scheduleDueRuns(db(), now);
  for (const r of runs) log.info(`schedule: queued the ${r.slot} crawl`, { function: 'schedule', site_id: r.siteId, run_id: r.runId });
  const answer: ScheduleResponse = { now: now.toISOString(), runs };
  return json(answer);
}
