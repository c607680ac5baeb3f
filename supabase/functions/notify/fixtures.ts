/** Test fixtures for notify: finished runs, bugs, health scores and outbox rows, straight in SQL. */
import { type Fixture, testDb } from '../_shared/testing.ts';

export interface BugSeed {
  title: string;
  severity?: 'P0' | 'P1' | 'P2' | 'P3';
  type?: string;
  status?: 'new' | 'active' | 'fixed' | 'regressed';
  page?: string;
  firstSeenAt?: string;
  lastSeenAt?: string;
  fixedAt?: string;
  runId?: string;
  viewports?: string[];
}

export async function seedRun(site: Fixture, opts: { finishedAt?: string; score?: number; deployEventId?: string; trigger?: string } = {}): Promise<string> {
  const db = testDb();
  const finished = opts.finishedAt ?? new Date().toISOString();
  const run = (await db.query<{ id: string }>(
    `insert into public.crawl_runs (site_id, trigger, status, viewports, created_at, started_at, finished_at, health_score, deploy_event_id)
     values ($1, $2::public.crawl_trigger, 'completed', '{desktop}', $3::timestamptz - interval '5 minutes', $3::timestamptz - interval '5 minutes', $3, $4, $5) returning id`,
    [site.siteId, opts.trigger ?? 'manual', finished, opts.score ?? null, opts.deployEventId ?? null],
  )).rows[0]!.id;
  if (opts.score !== undefined) {
    await db.query(
      `insert into public.health_scores (site_id, run_id, score, components, inputs, formula_version, computed_at)
       values ($1, $2, $3, '{}', '{}', 'test', $4)`,
      [site.siteId, run, opts.score, finished],
    );
  }
  return run;
}

export async function seedBug(site: Fixture, b: BugSeed): Promise<string> {
  const first = b.firstSeenAt ?? new Date().toISOString();
  return (await testDb().query<{ id: string }>(
    `insert into public.bugs (site_id, fingerprint, fingerprint_version, type, severity, title, url_template, page_url, status,
                              first_seen_at, last_seen_at, fixed_at, first_run_id, last_run_id, viewports)
     values ($1, $2, 'test', $3::public.bug_type, $4::public.bug_severity, $5, $6, $6, $7::public.bug_status, $8, $9, $10, $11, $11, $12)
     returning id`,
    [
      site.siteId,
      crypto.randomUUID(),
      b.type ?? 'js_error',
      b.severity ?? 'P1',
      b.title,
      b.page ?? '/checkout',
      b.status ?? 'new',
      first,
      b.lastSeenAt ?? first,
      b.fixedAt ?? null,
      b.runId ?? null,
      b.viewports ?? ['desktop'],
    ],
  )).rows[0]!.id;
}

/** What finalise_run writes for a run with new/regressed P0/P1 bugs. */
export async function seedInstantOutbox(site: Fixture, runId: string, bugIds: string[], deployEventId: string | null = null): Promise<string> {
  return (await testDb().query<{ id: string }>(
    `insert into public.notification_outbox (site_id, kind, period_key, run_id, payload)
     values ($1, 'instant', $2::text, $2::uuid, jsonb_build_object('runId', $2::uuid, 'bugIds', $3::jsonb, 'deployEventId', $4::uuid)) returning id`,
    [site.siteId, runId, JSON.stringify(bugIds), deployEventId],
  )).rows[0]!.id;
}

export async function seedDeploy(site: Fixture, commitSha: string, receivedAt: string): Promise<string> {
  return (await testDb().query<{ id: string }>(
    `insert into public.deploy_events (site_id, commit_sha, branch, environment, delivery_id, received_at)
     values ($1, $2, 'main', 'production', $3, $4) returning id`,
    [site.siteId, commitSha, crypto.randomUUID(), receivedAt],
  )).rows[0]!.id;
}

export async function outboxRows(siteId: string) {
  return (await testDb().query<{ kind: string; period_key: string; status: string; attempts: number; last_error: string | null; next_attempt_at: Date; recipients: string[] }>(
    'select kind, period_key, status, attempts, last_error, next_attempt_at, recipients from public.notification_outbox where site_id = $1 order by created_at',
    [siteId],
  )).rows;
}
