/** What an email says, read from the database for one outbox row. */
import type { Db } from '../_shared/db.ts';

export interface SiteFacts {
  id: string;
  name: string;
  baseUrl: string;
  timezone: string;
}

export interface BugFact {
  id: string;
  title: string;
  severity: string;
  type: string;
  status: string;
  page: string;
  viewports: string[];
  firstSeenAt: Date;
  fixedAt: Date | null;
  timesRegressed: number;
}

export interface DeployFact {
  id: string;
  commitSha: string;
  branch: string | null;
  environment: string | null;
  receivedAt: Date;
}

/** A flow reported once as flapping instead of alerting on each flip (alert policies, issue 18). */
export interface FlappingFact {
  flowId: string;
  flowName: string;
  flips: number;
  windowDays: number;
  reason: string;
}

export interface InstantFacts {
  kind: 'instant';
  site: SiteFacts;
  runId: string;
  runTrigger: string | null;
  runFinishedAt: Date | null;
  healthScore: number | null;
  previousScore: number | null;
  bugs: BugFact[];
  deploy: DeployFact | null;
  /** Why each bug is in this alert, in words (bug id → sentence); empty for rows written before policies. */
  reasons: Record<string, string>;
  flapping: FlappingFact[];
  /** The site's alert policy in one sentence, when the policy wrote this alert. */
  policy: string | null;
}

/** An alert the quiet hours held for the next briefing. */
export interface HeldFact {
  bugId: string | null;
  title: string;
  severity: string;
  reason: string;
  decidedAt: Date;
}

export interface DigestFacts {
  kind: 'daily' | 'weekly';
  site: SiteFacts;
  periodKey: string;
  windowStart: Date;
  windowEnd: Date;
  score: number | null;
  previousScore: number | null;
  /** weekly: the last score of each local day in the window. */
  trajectory: { day: string; score: number }[];
  runs: number;
  newBugs: BugFact[];
  newCount: number;
  regressedBugs: BugFact[];
  fixedBugs: BugFact[];
  fixedCount: number;
  persistentBugs: BugFact[];
  persistentCount: number;
  perfNew: BugFact[];
  perfFixed: BugFact[];
  /** Alerts held by quiet hours since the previous briefing. */
  held: HeldFact[];
}

const BUG_COLUMNS = `b.id, b.title, b.severity::text as severity, b.type::text as type, b.status::text as status,
  coalesce(b.page_url, b.url_template) as page, b.viewports, b.first_seen_at, b.fixed_at, b.times_regressed`;

interface BugRow {
  id: string;
  title: string;
  severity: string;
  type: string;
  status: string;
  page: string;
  viewports: string[];
  first_seen_at: Date;
  fixed_at: Date | null;
  times_regressed: number;
}

const toBug = (r: BugRow): BugFact => ({
  id: r.id,
  title: r.title,
  severity: r.severity,
  type: r.type,
  status: r.status,
  page: r.page,
  viewports: r.viewports ?? [],
  firstSeenAt: new Date(r.first_seen_at),
  fixedAt: r.fixed_at ? new Date(r.fixed_at) : null,
  timesRegressed: r.times_regressed,
});

export async function siteFacts(pool: Db, siteId: string): Promise<SiteFacts | null> {
  const { rows } = await pool.query<{ id: string; name: string; base_url: string; timezone: string }>(
    'select id, name, base_url, timezone from public.sites where id = $1',
    [siteId],
  );
  const r = rows[0];
  return r ? { id: r.id, name: r.name, baseUrl: r.base_url, timezone: r.timezone } : null;
}

const str = (v: unknown, max: number): string | null => (typeof v === 'string' && v.trim() ? v.slice(0, max) : null);

/** The policy's words and flapping notices from an instant row's payload (written by SQL; still checked). */
function policyParts(payload: Record<string, unknown>): Pick<InstantFacts, 'reasons' | 'flapping' | 'policy'> {
  const reasons: Record<string, string> = {};
  if (payload.reasons && typeof payload.reasons === 'object' && !Array.isArray(payload.reasons)) {
    for (const [k, v] of Object.entries(payload.reasons as Record<string, unknown>)) {
      const t = str(v, 400);
      if (t) reasons[k] = t;
    }
  }
  const flapping: FlappingFact[] = [];
  for (const f of Array.isArray(payload.flapping) ? payload.flapping.slice(0, 20) : []) {
    if (!f || typeof f !== 'object') continue;
    const o = f as Record<string, unknown>;
    const flips = Number(o.flips);
    const windowDays = Number(o.windowDays);
    const flowId = str(o.flowId, 40);
    if (!flowId || !Number.isFinite(flips) || !Number.isFinite(windowDays)) continue;
    flapping.push({ flowId, flowName: str(o.flowName, 200) ?? 'A flow', flips, windowDays, reason: str(o.reason, 400) ?? '' });
  }
  return { reasons, flapping, policy: str(payload.policy, 600) };
}

export async function instantFacts(pool: Db, site: SiteFacts, payload: Record<string, unknown>, runId: string | null): Promise<InstantFacts | null> {
  const bugIds = Array.isArray(payload.bugIds) ? payload.bugIds.map(String) : [];
  const theRun = runId ?? (typeof payload.runId === 'string' ? payload.runId : null);
  const run = theRun
    ? (await pool.query<{ trigger: string; finished_at: Date | null; health_score: number | null; deploy_event_id: string | null; previous: number | null }>(
      `select trigger::text as trigger, finished_at, health_score, deploy_event_id,
              case when summary ->> 'previousHealthScore' ~ '^[0-9]{1,3}$' then (summary ->> 'previousHealthScore')::integer end as previous
         from public.crawl_runs where id = $1`,
      [theRun],
    )).rows[0]
    : undefined;
  const bugs = (await pool.query<BugRow>(
    `select ${BUG_COLUMNS} from public.bugs b where b.id = any ($1::uuid[]) and b.site_id = $2
      order by b.severity, b.first_seen_at, b.title`,
    [bugIds, site.id],
  )).rows.map(toBug);
  const policy = policyParts(payload);
  if (bugs.length === 0 && policy.flapping.length === 0) return null;
  const deployId = (typeof payload.deployEventId === 'string' ? payload.deployEventId : null) ?? run?.deploy_event_id ?? null;
  const deploy = deployId
    ? (await pool.query<{ id: string; commit_sha: string; branch: string | null; environment: string | null; received_at: Date }>(
      'select id, commit_sha, branch, environment, received_at from public.deploy_events where id = $1 and site_id = $2',
      [deployId, site.id],
    )).rows[0]
    : undefined;
  return {
    kind: 'instant',
    site,
    runId: theRun ?? '',
    runTrigger: run?.trigger ?? null,
    runFinishedAt: run?.finished_at ? new Date(run.finished_at) : null,
    healthScore: run?.health_score ?? null,
    previousScore: run?.previous ?? null,
    bugs,
    ...policy,
    deploy: deploy
      ? { id: deploy.id, commitSha: deploy.commit_sha, branch: deploy.branch, environment: deploy.environment, receivedAt: new Date(deploy.received_at) }
      : null,
  };
}

/** Open at the end of the period: SQL's one definition (private.bug_is_open). */
const OPEN = `private.bug_is_open(b.status, b.false_positive, b.snoozed_until, $3)`;

/**
 * Daily: the 24 hours up to 09:00 local on the period's date. Weekly: the 7 days up to Monday 09:00
 * local. Computed from the period, not the clock, so a retried email says the same thing.
 */
export async function digestFacts(pool: Db, site: SiteFacts, kind: 'daily' | 'weekly', periodKey: string, localDate: string): Promise<DigestFacts> {
  const days = kind === 'daily' ? 1 : 7;
  const win = (await pool.query<{ start: Date; end: Date }>(
    `select ((($1::date - $2::integer) + time '09:00') at time zone $3) as start, (($1::date + time '09:00') at time zone $3) as "end"`,
    [localDate, days, site.timezone],
  )).rows[0]!;
  const start = new Date(win.start);
  const end = new Date(win.end);
  const args = [site.id, start.toISOString(), end.toISOString()];

  const score = (await pool.query<{ score: number }>(
    'select score from public.health_scores where site_id = $1 and computed_at <= $2 order by computed_at desc limit 1',
    [site.id, end.toISOString()],
  )).rows[0]?.score ?? null;
  const previousScore = (await pool.query<{ score: number }>(
    'select score from public.health_scores where site_id = $1 and computed_at <= $2 order by computed_at desc limit 1',
    [site.id, start.toISOString()],
  )).rows[0]?.score ?? null;
  const trajectory = kind === 'weekly'
    ? (await pool.query<{ day: string; score: number }>(
      `select distinct on (d) to_char(d, 'YYYY-MM-DD') as day, score
         from (select (h.computed_at at time zone $4)::date as d, h.score, h.computed_at from public.health_scores h
                where h.site_id = $1 and h.computed_at > $2 and h.computed_at <= $3) x
        order by d, computed_at desc`,
      [...args, site.timezone],
    )).rows
    : [];
  const runs = (await pool.query<{ n: number }>(
    `select count(*)::integer as n from public.crawl_runs where site_id = $1 and finished_at > $2 and finished_at <= $3`,
    args,
  )).rows[0]!.n;

  const q = async (where: string, limit: number, order = 'b.severity, b.first_seen_at, b.title') =>
    (await pool.query<BugRow>(`select ${BUG_COLUMNS} from public.bugs b where b.site_id = $1 and ${where} order by ${order} limit ${limit}`, args)).rows.map(toBug);
  const count = async (where: string) =>
    (await pool.query<{ n: number }>(`select count(*)::integer as n from public.bugs b where b.site_id = $1 and ${where}`, args)).rows[0]!.n;

  const newWhere = `b.first_seen_at > $2 and b.first_seen_at <= $3 and not b.false_positive`;
  const fixedWhere = `b.status = 'fixed' and b.fixed_at > $2 and b.fixed_at <= $3 and not b.false_positive`;
  const persistentWhere = `${OPEN} and b.first_seen_at <= $2`;
  return {
    kind,
    site,
    periodKey,
    windowStart: start,
    windowEnd: end,
    score,
    previousScore,
    trajectory,
    runs,
    newBugs: await q(newWhere, 10),
    newCount: await count(newWhere),
    regressedBugs: await q(`b.status = 'regressed' and b.first_seen_at <= $2 and b.last_seen_at > $2 and b.last_seen_at <= $3 and ${OPEN}`, 10),
    fixedBugs: await q(fixedWhere, 10, 'b.severity, b.fixed_at desc'),
    fixedCount: await count(fixedWhere),
    persistentBugs: await q(persistentWhere, 5),
    persistentCount: await count(persistentWhere),
    perfNew: await q(`b.type = 'perf_regression' and ${newWhere}`, 5),
    perfFixed: await q(`b.type = 'perf_regression' and ${fixedWhere}`, 5),
    held: (await pool.query<{ bug_id: string | null; title: string; severity: string; reason: string; decided_at: Date }>(
      `select d.bug_id, coalesce(b.title, f.name || ' is flapping', 'An alert') as title, coalesce(d.severity, 'P1') as severity, d.reason, d.decided_at
         from public.alert_decisions d
         left join public.bugs b on b.id = d.bug_id
         left join public.flows f on f.id = d.flow_id
        where d.site_id = $1 and d.decision = 'held' and d.decided_at > $2 and d.decided_at <= $3
        order by d.severity, d.decided_at limit 20`,
      args,
    )).rows.map((r) => ({ bugId: r.bug_id, title: r.title, severity: r.severity, reason: r.reason, decidedAt: new Date(r.decided_at) })),
  };
}
