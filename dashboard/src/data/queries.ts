/**
 * Every read the dashboard makes, as plain async functions over a supabase-js client (the user's
 * session, RLS decides what comes back). Lists are paginated by the server (`range` + an exact
 * count); long JSON (a run's `persistent` bug list) is only selected where it is shown.
 */
import { readStoredHealthComponents, readStoredHealthInputs } from '@flowlens/core/health';
import { parseRunSummary } from '@flowlens/core/queue';
import { readStoredEvidence, readStoredFingerprintParts } from '@flowlens/core/report';
import { applyBugFilters, openFilter, pageRange, PAGE_SIZE, type BugFilters, type FilterBuilder } from '../lib/bugFilters.ts';
import { unwrap } from '../lib/errors.ts';
import type { Db } from '../lib/supabase.tsx';
import type { Json } from './database.types.ts';
import { RECIPIENT_COLUMNS, VIEWPORTS } from './types.ts';
import type {
  AuditEntry,
  BaselineRow,
  Bug,
  BugListRow,
  CrawlJob,
  DeployEvent,
  Flow,
  FlowResult,
  FlowStep,
  HealthScoreDetail,
  HealthScoreRow,
  Invitation,
  Membership,
  MemberRole,
  Occurrence,
  Organization,
  PageMetricRow,
  PageRow,
  Recipient,
  RunRow,
  RunSummary,
  SelectorProposal,
  Site,
  Viewport,
} from './types.ts';

const DAY = 86_400_000;

export const BUG_LIST_COLUMNS =
  'id,site_id,type,severity,title,url_template,status,viewports,first_seen_at,last_seen_at,last_run_id,snoozed_until,false_positive,flow_id';
export const BUG_COLUMNS = `${BUG_LIST_COLUMNS},fingerprint,fingerprint_parts,message,page_url,selector,step_index,fixed_at,times_regressed,first_run_id,false_positive_at,deploy_event_id` as const;
export const RUN_LIST_COLUMNS =
  'id,site_id,trigger,status,created_at,started_at,finished_at,health_score,error,deploy_event_id,viewports,new_ids:summary->new,fixed_ids:summary->fixed,regressed_ids:summary->regressed,previous_score:summary->previousHealthScore';
export const SITE_COLUMNS = 'id,organization_id,name,base_url,allowed_origins,timezone,crawl_enabled,crawl_time,crawl_days,viewports,discover_pages,created_at';

export interface Page<T> {
  rows: T[];
  total: number;
  page: number;
  pageSize: number;
}

function asPage<T>(res: ({ data: T[]; error: null } | { data: null; error: unknown }) & { count: number | null }, page: number, what: string, pageSize = PAGE_SIZE): Page<T> {
  const rows = unwrap(res, what);
  return { rows, total: res.count ?? rows.length, page, pageSize };
}

/**
 * The shared bug filters (lib/bugFilters.ts) see supabase-js' builder through the few methods they
 * use (passing the real builder type through generic helpers makes TypeScript's instantiation depth
 * explode). They only add filters to the builder they are given and return it, so the builder comes
 * back with its own type: this cast is of our query object, never of data.
 */
interface Query extends FilterBuilder<Query> {
  range(from: number, to: number): Query;
  limit(count: number): Query;
}

function filtered<B>(builder: B, apply: (q: Query) => Query): B {
  return apply(builder as unknown as Query) as unknown as B;
}

/** A stored viewports list (bugs.viewports has no check constraint): the words core knows, in their order. */
function readViewports(values: readonly string[]): Viewport[] {
  return values.filter((v): v is Viewport => (VIEWPORTS as readonly string[]).includes(v));
}

type StoredRun = Omit<RunRow, 'new_ids' | 'fixed_ids' | 'regressed_ids' | 'previous_score'> & { new_ids: unknown; fixed_ids: unknown; regressed_ids: unknown; previous_score: unknown };

/**
 * The run list's summary parts (`new_ids:summary->new`, …) cross from SQL's JSON: read with core's
 * RunSummarySchema like the whole summary is (a part an older summary lacks, or cannot be read, is empty).
 */
function readRunRow<R extends StoredRun>(row: R): Omit<R, 'new_ids' | 'fixed_ids' | 'regressed_ids' | 'previous_score'> & RunRow {
  const s = parseRunSummary({ new: row.new_ids ?? [], fixed: row.fixed_ids ?? [], regressed: row.regressed_ids ?? [], previousHealthScore: row.previous_score });
  return { ...row, new_ids: row.new_ids == null ? null : s.new, fixed_ids: row.fixed_ids == null ? null : s.fixed, regressed_ids: row.regressed_ids == null ? null : s.regressed, previous_score: s.previousHealthScore };
}

/**
 * A stored score's components and inputs cross from SQL's JSON (private.finalise_health): read with
 * core's health schemas, part by part (an unreadable part is null, shown as not recorded).
 */
function readHealthDetail<R extends { components: unknown; inputs: unknown }>(row: R): Omit<R, 'components' | 'inputs'> & Pick<HealthScoreDetail, 'components' | 'inputs'> {
  return { ...row, components: readStoredHealthComponents(row.components), inputs: readStoredHealthInputs(row.inputs) };
}

function readBugListRow<R extends { viewports: string[] }>(row: R): Omit<R, 'viewports'> & { viewports: Viewport[] } {
  return { ...row, viewports: readViewports(row.viewports) };
}

/** A bug row as stored: viewports as core knows them, fingerprint_parts read with core's schema. */
export function readBug<R extends { viewports: string[]; fingerprint_parts: unknown }>(row: R): Omit<R, 'viewports' | 'fingerprint_parts'> & Pick<Bug, 'viewports' | 'fingerprint_parts'> {
  return { ...row, viewports: readViewports(row.viewports), fingerprint_parts: readStoredFingerprintParts(row.fingerprint_parts) };
}

/** A JSON value that is an object, else null. */
function jsonObject(value: Json): { [key: string]: Json | undefined } | null {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : null;
}

/** audit_log.details is written by SQL's audit triggers: read as a plain object (anything else as empty). */
function readAuditEntry<R extends { details: Json }>(row: R): Omit<R, 'details'> & Pick<AuditEntry, 'details'> {
  return { ...row, details: jsonObject(row.details) ?? {} };
}

/** flow_steps.data: only its selectors are read (as unknown, for display); a list that is not one is left out. */
function readFlowStep<R extends { data: Json }>(row: R): Omit<R, 'data'> & Pick<FlowStep, 'data'> {
  const { selectors, ...rest } = jsonObject(row.data) ?? {};
  return { ...row, data: Array.isArray(selectors) ? { ...rest, selectors } : rest };
}

// All sites ----------------------------------------------------------------------------------------

export interface OrgWithRole extends Organization {
  role: MemberRole;
}

export interface SiteCard {
  id: string;
  organization_id: string;
  name: string;
  base_url: string;
  scores: HealthScoreRow[];
  lastRun: Pick<RunRow, 'id' | 'status' | 'trigger' | 'created_at' | 'finished_at'> | null;
  openUrgent: number;
}

export interface Overview {
  orgs: OrgWithRole[];
  sites: Page<SiteCard>;
}

export const SITES_PAGE_SIZE = 24;
const SITE_CARD_COLUMNS = 'id,organization_id,name,base_url,health_scores(id,run_id,score,computed_at),crawl_runs(id,status,trigger,created_at,finished_at)';

export async function fetchOverview(db: Db, userId: string, page: number): Promise<Overview> {
  const [from, to] = pageRange(page, SITES_PAGE_SIZE);
  const [memberships, sitesRes] = await Promise.all([
    db.from('organization_members').select('role,organizations(id,name)').eq('user_id', userId),
    db
      .from('sites')
      .select(SITE_CARD_COLUMNS, { count: 'exact' })
      .order('computed_at', { referencedTable: 'health_scores', ascending: false })
      .limit(2, { referencedTable: 'health_scores' })
      .order('created_at', { referencedTable: 'crawl_runs', ascending: false })
      .limit(1, { referencedTable: 'crawl_runs' })
      .order('name')
      .order('id')
      .range(from, to),
  ]);
  const orgs: OrgWithRole[] = unwrap(memberships, 'load your organisations')
    .flatMap((m) => (m.organizations ? [{ ...m.organizations, role: m.role }] : []))
    .sort((a, b) => a.name.localeCompare(b.name));
  const sitePage = asPage(sitesRes, page, 'load your sites', SITES_PAGE_SIZE);
  const counts = await Promise.all(
    sitePage.rows.map((s) => filtered(db.from('bugs').select('id', { count: 'exact', head: true }).eq('site_id', s.id).in('severity', ['P0', 'P1']), openFilter)),
  );
  const rows: SiteCard[] = sitePage.rows.map((s, i) => ({
    id: s.id,
    organization_id: s.organization_id,
    name: s.name,
    base_url: s.base_url,
    scores: s.health_scores ?? [],
    lastRun: s.crawl_runs?.[0] ?? null,
    openUrgent: counts[i]?.count ?? 0,
  }));
  return { orgs, sites: { ...sitePage, rows } };
}

// One site ------------------------------------------------------------------------------------------

export interface SiteWithRole {
  site: Site;
  organizationName: string;
  role: MemberRole | null;
}

export async function fetchSite(db: Db, siteId: string, userId: string): Promise<SiteWithRole | null> {
  if (!/^[0-9a-f-]{36}$/i.test(siteId)) return null;
  // One request: the site, its organisation's name and the caller's membership row in it (the
  // embedded members are filtered to the caller). One request fewer on the site home's critical
  // path, where the browser's six connections per host are otherwise all busy.
  const res = await db
    .from('sites')
    .select(`${SITE_COLUMNS},organizations(name,organization_members(user_id,role))` as const)
    .eq('id', siteId)
    .eq('organizations.organization_members.user_id', userId)
    .maybeSingle();
  const row = unwrap(res, 'load the site');
  if (!row) return null;
  const role = row.organizations?.organization_members?.find((m) => m.user_id === userId)?.role ?? null;
  const { organizations, ...site } = row;
  return { site, organizationName: organizations?.name ?? '', role };
}

// Site home -----------------------------------------------------------------------------------------

export interface HomeData {
  latest: HealthScoreDetail | null;
  previous: HealthScoreRow | null;
  sparkline: HealthScoreRow[];
  scoreRun: RunRow | null;
  currentRun: Pick<RunRow, 'id' | 'status' | 'trigger' | 'created_at'> | null;
  changes: { fresh: BugListRow[]; regressed: BugListRow[]; fixed: BugListRow[]; perfAlerts: BugListRow[] };
  active: Page<BugListRow>;
  perf: PerfRow[];
}

export interface PerfRow {
  pageId: string;
  urlTemplate: string;
  viewport: Viewport;
  runId: string;
  loadMs: number | null;
  lcpMs: number | null;
  baselineLoad: BaselineRow | null;
  baselineLcp: BaselineRow | null;
}

export const HOME_ACTIVE_LIMIT = 8;

// The latest scores with the run behind them and that run's measurements, in one request.
const HOME_SCORE_COLUMNS = `id,run_id,score,computed_at,components,inputs,formula_version,run:crawl_runs(${RUN_LIST_COLUMNS},page_metrics(page_id,run_id,viewport,measured_at,load_ms,lcp_ms,pages(url_template)))` as const;

/**
 * Two round trips: everything that does not depend on the latest run in parallel (the run and its
 * metrics are embedded in the score), then the bugs named by that run's diff.
 */
export async function fetchHome(db: Db, siteId: string, now = new Date()): Promise<HomeData> {
  const since = new Date(now.getTime() - 30 * DAY).toISOString();
  const [latestRes, sparkRes, currentRes, activeRes, baselineRes] = await Promise.all([
    db.from('health_scores').select(HOME_SCORE_COLUMNS).eq('site_id', siteId).order('computed_at', { ascending: false }).limit(2),
    db.from('health_scores').select('id,run_id,score,computed_at').eq('site_id', siteId).gte('computed_at', since).order('computed_at', { ascending: true }).limit(500),
    db.from('crawl_runs').select('id,status,trigger,created_at').eq('site_id', siteId).order('created_at', { ascending: false }).limit(1),
    filtered(db.from('bugs').select(BUG_LIST_COLUMNS, { count: 'exact' }).eq('site_id', siteId), openFilter)
      .order('severity', { ascending: true })
      .order('first_seen_at', { ascending: false })
      .order('id')
      .range(0, HOME_ACTIVE_LIMIT - 1),
    db.from('page_baselines').select('page_id,viewport,metric,samples,mean,stddev').eq('site_id', siteId).in('metric', ['load_ms', 'lcp_ms']).limit(1000),
  ]);
  const latestTwo = unwrap(latestRes, 'load the health score');
  const latestRow = latestTwo[0] ?? null;
  const previousRow = latestTwo[1] ?? null;
  const sparkline: HealthScoreRow[] = unwrap(sparkRes, 'load the score history');
  const currentRun = unwrap(currentRes, 'load the latest crawl')[0] ?? null;
  const activePage = asPage(activeRes, 1, 'load the active bugs', HOME_ACTIVE_LIMIT);
  const active: Page<BugListRow> = { ...activePage, rows: activePage.rows.map(readBugListRow) };
  const baselines: BaselineRow[] = unwrap(baselineRes, 'load the performance baselines');

  let latest: HealthScoreDetail | null = null;
  let scoreRun: RunRow | null = null;
  let changes: HomeData['changes'] = { fresh: [], regressed: [], fixed: [], perfAlerts: [] };
  let perf: PerfRow[] = [];
  if (latestRow) {
    const { run, ...score } = latestRow;
    latest = readHealthDetail(score);
    const metrics = run?.page_metrics ?? [];
    if (run) {
      const { page_metrics: _metrics, ...runRow } = run;
      scoreRun = readRunRow(runRow);
    }
    const ids = [...(scoreRun?.new_ids ?? []).slice(0, 20), ...(scoreRun?.regressed_ids ?? []).slice(0, 20), ...(scoreRun?.fixed_ids ?? []).slice(0, 20)];
    if (ids.length) {
      const bugs = unwrap(await db.from('bugs').select(BUG_LIST_COLUMNS).in('id', ids), "load today's changes").map(readBugListRow);
      const byId = new Map(bugs.map((b) => [b.id, b]));
      const pick = (list: string[] | null) => (list ?? []).slice(0, 20).flatMap((id) => (byId.has(id) ? [byId.get(id)!] : []));
      const fresh = pick(scoreRun?.new_ids ?? null);
      changes = {
        fresh,
        regressed: pick(scoreRun?.regressed_ids ?? null),
        fixed: pick(scoreRun?.fixed_ids ?? null),
        perfAlerts: [...fresh, ...pick(scoreRun?.regressed_ids ?? null)].filter((b) => b.type === 'perf_regression'),
      };
    }
    const base = new Map(baselines.map((b) => [`${b.page_id}|${b.viewport}|${b.metric}`, b]));
    perf = metrics
      .map((m) => ({
        pageId: m.page_id,
        urlTemplate: m.pages?.url_template ?? '?',
        viewport: m.viewport,
        runId: m.run_id,
        loadMs: m.load_ms,
        lcpMs: m.lcp_ms,
        baselineLoad: base.get(`${m.page_id}|${m.viewport}|load_ms`) ?? null,
        baselineLcp: base.get(`${m.page_id}|${m.viewport}|lcp_ms`) ?? null,
      }))
      .sort((a, b) => a.urlTemplate.localeCompare(b.urlTemplate) || a.viewport.localeCompare(b.viewport));
  }
  const previous: HealthScoreRow | null = previousRow ? { id: previousRow.id, run_id: previousRow.run_id, score: previousRow.score, computed_at: previousRow.computed_at } : null;
  return { latest, previous, sparkline, scoreRun, currentRun, changes, active, perf };
}

// Trends --------------------------------------------------------------------------------------------

export interface TrendsData {
  scores: HealthScoreDetail[];
  deploys: DeployEvent[];
  pages: PageRow[];
}

export async function fetchTrends(db: Db, siteId: string, days: number, now = new Date()): Promise<TrendsData> {
  const since = new Date(now.getTime() - days * DAY).toISOString();
  const [scores, deploys, pages] = await Promise.all([
    db.from('health_scores').select('id,run_id,score,computed_at,components,inputs,formula_version').eq('site_id', siteId).gte('computed_at', since).order('computed_at').limit(1000),
    db.from('deploy_events').select('id,commit_sha,branch,environment,received_at').eq('site_id', siteId).gte('received_at', since).order('received_at').limit(500),
    db.from('pages').select('id,url_template,title').eq('site_id', siteId).order('url_template').limit(500),
  ]);
  return {
    scores: unwrap(scores, 'load the score history').map(readHealthDetail),
    deploys: unwrap(deploys, 'load the deploys'),
    pages: unwrap(pages, 'load the pages'),
  };
}

export async function fetchPageMetrics(db: Db, pageId: string, viewport: Viewport, days: number, now = new Date()): Promise<PageMetricRow[]> {
  const since = new Date(now.getTime() - days * DAY).toISOString();
  const res = await db
    .from('page_metrics')
    .select('page_id,run_id,viewport,measured_at,ttfb_ms,fcp_ms,lcp_ms,cls,load_ms')
    .eq('page_id', pageId)
    .eq('viewport', viewport)
    .gte('measured_at', since)
    .order('measured_at')
    .limit(1000);
  return unwrap(res, 'load the page metrics');
}

export interface DeployBugs {
  deploy: DeployEvent | null;
  bugs: Page<BugListRow>;
}

export async function fetchDeployBugs(db: Db, siteId: string, deployId: string, page: number): Promise<DeployBugs> {
  const [from, to] = pageRange(page);
  const [deploy, bugs] = await Promise.all([
    db.from('deploy_events').select('id,commit_sha,branch,environment,received_at').eq('site_id', siteId).eq('id', deployId).maybeSingle(),
    db
      .from('bugs')
      .select(BUG_LIST_COLUMNS, { count: 'exact' })
      .eq('site_id', siteId)
      .eq('deploy_event_id', deployId)
      .order('severity')
      .order('first_seen_at', { ascending: false })
      .order('id')
      .range(from, to),
  ]);
  const p = asPage(bugs, page, 'load the bugs after this deploy');
  return { deploy: unwrap(deploy, 'load the deploy'), bugs: { ...p, rows: p.rows.map(readBugListRow) } };
}

// Bugs ----------------------------------------------------------------------------------------------

export interface BugFacets {
  pages: string[];
  flows: Pick<Flow, 'id' | 'name'>[];
}

export async function fetchBugFacets(db: Db, siteId: string): Promise<BugFacets> {
  const [pages, flows] = await Promise.all([
    db.from('pages').select('url_template').eq('site_id', siteId).order('url_template').limit(500),
    db.from('flows').select('id,name').eq('site_id', siteId).order('name').limit(500),
  ]);
  return {
    pages: unwrap(pages, 'load the pages').map((p) => p.url_template),
    flows: unwrap(flows, 'load the flows'),
  };
}

export async function fetchBugs(db: Db, siteId: string, filters: BugFilters, now = new Date()): Promise<Page<BugListRow>> {
  const [from, to] = pageRange(filters.page);
  const q = filtered(db.from('bugs').select(BUG_LIST_COLUMNS, { count: 'exact' }).eq('site_id', siteId), (b) => applyBugFilters(b, filters, now));
  const p = asPage(await q.range(from, to), filters.page, 'load the bugs');
  return { ...p, rows: p.rows.map(readBugListRow) };
}

export interface BugDetail {
  bug: Bug;
  flow: Pick<Flow, 'id' | 'name' | 'critical'> | null;
  flowSteps: Pick<FlowStep, 'position' | 'action' | 'label'>[];
  deploy: DeployEvent | null;
}

export async function fetchBug(db: Db, siteId: string, bugId: string): Promise<BugDetail | null> {
  if (!/^[0-9a-f-]{36}$/i.test(bugId)) return null;
  const row = unwrap(await db.from('bugs').select(BUG_COLUMNS).eq('id', bugId).eq('site_id', siteId).maybeSingle(), 'load the bug');
  if (!row) return null;
  const bug = readBug(row);
  const [flow, steps, deploy] = await Promise.all([
    bug.flow_id ? db.from('flows').select('id,name,critical').eq('id', bug.flow_id).maybeSingle() : Promise.resolve({ data: null, error: null }),
    bug.flow_id
      ? db.from('flow_steps').select('position,action,label').eq('flow_id', bug.flow_id).order('position').limit(200)
      : Promise.resolve({ data: [], error: null }),
    bug.deploy_event_id
      ? db.from('deploy_events').select('id,commit_sha,branch,environment,received_at').eq('id', bug.deploy_event_id).maybeSingle()
      : Promise.resolve({ data: null, error: null }),
  ]);
  return {
    bug,
    flow: unwrap(flow, 'load the flow'),
    flowSteps: unwrap(steps, 'load the flow steps'),
    deploy: unwrap(deploy, 'load the deploy'),
  };
}

export const OCCURRENCE_PAGE_SIZE = 20;

export async function fetchOccurrences(db: Db, bugId: string, page: number): Promise<Page<Occurrence>> {
  const [from, to] = pageRange(page, OCCURRENCE_PAGE_SIZE);
  const res = await db
    .from('bug_occurrences')
    .select('id,bug_id,run_id,viewport,page_url,seen_at,evidence', { count: 'exact' })
    .eq('bug_id', bugId)
    .order('seen_at', { ascending: false })
    .order('viewport')
    .range(from, to);
  const p = asPage(res, page, 'load the occurrences', OCCURRENCE_PAGE_SIZE);
  // Evidence is what the crawled page produced: read part by part with core's report schemas.
  return { ...p, rows: p.rows.map((o) => ({ ...o, evidence: readStoredEvidence(o.evidence) })) };
}

export interface AuditView {
  entries: AuditEntry[];
  people: Record<string, string>;
}

export async function fetchAudit(db: Db, bugId: string, organizationId: string): Promise<AuditView> {
  const [entries, members] = await Promise.all([
    db.from('audit_log').select('id,bug_id,actor_id,action,details,created_at').eq('bug_id', bugId).order('created_at', { ascending: false }).limit(50),
    db.from('organization_members').select('user_id,email').eq('organization_id', organizationId).limit(1000),
  ]);
  const people: Record<string, string> = {};
  for (const m of unwrap(members, 'load the members')) people[m.user_id] = m.email ?? 'a member';
  return { entries: unwrap(entries, 'load the activity').map(readAuditEntry), people };
}

export async function signedScreenshotUrl(db: Db, path: string): Promise<string | null> {
  const { data, error } = await db.storage.from('screenshots').createSignedUrl(path, 3600);
  if (error || !data) return null;
  return data.signedUrl;
}

export async function signedScreenshotUrls(db: Db, paths: string[]): Promise<Record<string, string>> {
  if (paths.length === 0) return {};
  const { data, error } = await db.storage.from('screenshots').createSignedUrls(paths, 3600);
  if (error || !data) return {};
  const out: Record<string, string> = {};
  for (const d of data) if (d.path && d.signedUrl && !d.error) out[d.path] = d.signedUrl;
  return out;
}

// Flows ---------------------------------------------------------------------------------------------

export interface FlowListRow extends Flow {
  latest: Partial<Record<Viewport, FlowResult>>;
  pendingProposals: number;
}

export async function fetchFlows(db: Db, siteId: string, page: number): Promise<Page<FlowListRow>> {
  const [from, to] = pageRange(page);
  const res = await db
    .from('flows')
    .select(
      'id,site_id,name,start_url,critical,version,updated_at,flow_results(id,flow_id,run_id,viewport,source,status,missing_secrets,healed_steps,failed_step,finished_at),selector_proposals(id)',
      { count: 'exact' },
    )
    .eq('site_id', siteId)
    .eq('selector_proposals.status', 'pending')
    // The newest results per flow (up to three runs × three viewports) are enough to find the last one per viewport.
    .order('finished_at', { referencedTable: 'flow_results', ascending: false })
    .limit(9, { referencedTable: 'flow_results' })
    .order('critical', { ascending: false })
    .order('name')
    .range(from, to);
  const p = asPage(res, page, 'load the flows');
  return {
    ...p,
    rows: p.rows.map(({ flow_results, selector_proposals, ...flow }) => ({
      ...flow,
      latest: latestPerViewport(flow_results ?? []),
      pendingProposals: selector_proposals?.length ?? 0,
    })),
  };
}

/** The secrets a flow waits for, from its latest result per viewport (empty: it does not need setup). */
export function missingSecretsOf(latest: Partial<Record<Viewport, FlowResult>>): string[] {
  return [...new Set(Object.values(latest).flatMap((r) => (r?.status === 'needs_setup' ? (r.missing_secrets ?? []) : [])))];
}

export function latestPerViewport(results: FlowResult[]): Partial<Record<Viewport, FlowResult>> {
  const out: Partial<Record<Viewport, FlowResult>> = {};
  for (const r of [...results].sort((a, b) => b.finished_at.localeCompare(a.finished_at))) out[r.viewport] ??= r;
  return out;
}

export interface FlowDetail {
  flow: Flow;
  steps: FlowStep[];
  proposals: SelectorProposal[];
  results: FlowResult[];
}

export async function fetchFlow(db: Db, siteId: string, flowId: string): Promise<FlowDetail | null> {
  if (!/^[0-9a-f-]{36}$/i.test(flowId)) return null;
  const flow = unwrap(await db.from('flows').select('id,site_id,name,start_url,critical,version,updated_at').eq('id', flowId).eq('site_id', siteId).maybeSingle(), 'load the flow');
  if (!flow) return null;
  const [steps, proposals, results] = await Promise.all([
    db.from('flow_steps').select('id,position,action,label,instruction,screenshot_path,data').eq('flow_id', flowId).order('position').limit(500),
    db
      .from('selector_proposals')
      .select('id,step_id,flow_id,from_selector,to_selector,confidence,run_id,status,created_at')
      .eq('flow_id', flowId)
      .order('created_at', { ascending: false })
      .limit(50),
    db
      .from('flow_results')
      .select('id,flow_id,run_id,viewport,source,status,missing_secrets,healed_steps,failed_step,finished_at')
      .eq('flow_id', flowId)
      .order('finished_at', { ascending: false })
      .limit(30),
  ]);
  return {
    flow,
    steps: unwrap(steps, 'load the steps').map(readFlowStep),
    proposals: unwrap(proposals, 'load the healed selectors'),
    results: unwrap(results, 'load the results'),
  };
}

/**
 * What "Download as Playwright test" needs: the stored flow, its steps and pending healed
 * selectors, as PostgREST returns them; core's generator parses them (StoredFlowExportInputSchema).
 */
export async function fetchFlowExport(db: Db, siteId: string, flowId: string): Promise<{ flow: unknown; steps: unknown; proposals: unknown } | null> {
  if (!/^[0-9a-f-]{36}$/i.test(flowId)) return null;
  const [flow, steps, proposals] = await Promise.all([
    db.from('flows').select('id,site_id,name,start_url,critical,schema_version,version').eq('id', flowId).eq('site_id', siteId).maybeSingle(),
    db.from('flow_steps').select('id,position,action,data,label,label_source,label_confidence,instruction,screenshot_path').eq('flow_id', flowId).order('position').limit(500),
    db.from('selector_proposals').select('step_id,from_selector,to_selector,confidence,status').eq('flow_id', flowId).eq('status', 'pending').limit(200),
  ]);
  const row: unknown = unwrap(flow, 'load the flow');
  if (!row) return null;
  return { flow: row, steps: unwrap(steps, 'load the steps'), proposals: unwrap(proposals, 'load the healed selectors') };
}

// History -------------------------------------------------------------------------------------------

export async function fetchRuns(db: Db, siteId: string, page: number): Promise<Page<RunRow>> {
  const [from, to] = pageRange(page);
  const res = await db
    .from('crawl_runs')
    .select(`${RUN_LIST_COLUMNS},deploy_events(commit_sha,branch)`, { count: 'exact' })
    .eq('site_id', siteId)
    .order('created_at', { ascending: false })
    .order('id')
    .range(from, to);
  const p = asPage(res, page, 'load the crawl history');
  return { ...p, rows: p.rows.map(readRunRow) };
}

export interface RunDetail {
  run: RunRow & { summary: RunSummary | null };
  health: HealthScoreDetail | null;
  jobs: (CrawlJob & { flows: { name: string } | null })[];
  results: (FlowResult & { flows: { name: string } | null })[];
  deploy: DeployEvent | null;
  bugs: Record<string, BugListRow>;
}

export const RUN_DIFF_LIMIT = 25;

export async function fetchRun(db: Db, siteId: string, runId: string): Promise<RunDetail | null> {
  if (!/^[0-9a-f-]{36}$/i.test(runId)) return null;
  const row = unwrap(await db.from('crawl_runs').select(`${RUN_LIST_COLUMNS},summary` as const).eq('id', runId).eq('site_id', siteId).maybeSingle(), 'load the run');
  if (!row) return null;
  // The summary crosses from SQL here: parsed with core's schema (a list an older summary lacks reads as empty).
  const run: RunDetail['run'] = { ...readRunRow(row), summary: row.summary ? parseRunSummary(row.summary) : null };
  const s = run.summary;
  const ids = s ? [...s.new.slice(0, RUN_DIFF_LIMIT), ...s.regressed.slice(0, RUN_DIFF_LIMIT), ...s.fixed.slice(0, RUN_DIFF_LIMIT), ...s.persistent.slice(0, RUN_DIFF_LIMIT)] : [];
  const [health, jobs, results, deploy, bugs] = await Promise.all([
    db.from('health_scores').select('id,run_id,score,computed_at,components,inputs,formula_version').eq('run_id', runId).maybeSingle(),
    db.from('crawl_jobs').select('id,flow_id,viewport,status,attempts,started_at,finished_at,last_error,flows(name)').eq('run_id', runId).order('viewport').limit(500),
    db.from('flow_results').select('id,flow_id,run_id,viewport,source,status,missing_secrets,healed_steps,failed_step,finished_at,flows(name)').eq('run_id', runId).limit(500),
    run.deploy_event_id
      ? db.from('deploy_events').select('id,commit_sha,branch,environment,received_at').eq('id', run.deploy_event_id).maybeSingle()
      : Promise.resolve({ data: null, error: null }),
    ids.length ? db.from('bugs').select(BUG_LIST_COLUMNS).in('id', ids) : Promise.resolve({ data: [], error: null }),
  ]);
  const byId: Record<string, BugListRow> = {};
  for (const b of unwrap(bugs, 'load the bugs of this run')) byId[b.id] = readBugListRow(b);
  const score = unwrap(health, 'load the health score');
  return {
    run,
    health: score ? readHealthDetail(score) : null,
    jobs: unwrap(jobs, 'load the jobs'),
    results: unwrap(results, 'load the flow results'),
    deploy: unwrap(deploy, 'load the deploy'),
    bugs: byId,
  };
}

// Settings ------------------------------------------------------------------------------------------

export interface SettingsData {
  recipients: Recipient[];
  members: Membership[];
  invitations: Invitation[];
  secret: { webhook_secret: string; rotated_at: string } | null;
}

export async function fetchSettings(db: Db, site: Site, isAdmin: boolean): Promise<SettingsData> {
  const [recipients, members, invitations, secret] = await Promise.all([
    db.from('notification_recipients').select(RECIPIENT_COLUMNS).eq('site_id', site.id).order('email').limit(500),
    db.from('organization_members').select('organization_id,user_id,role,email,created_at').eq('organization_id', site.organization_id).order('created_at').limit(500),
    isAdmin
      ? db.from('invitations').select('id,email,role,created_at,expires_at,accepted_at').eq('organization_id', site.organization_id).is('accepted_at', null).order('created_at', { ascending: false }).limit(200)
      : Promise.resolve({ data: [], error: null }),
    isAdmin ? db.from('site_secrets').select('webhook_secret,rotated_at').eq('site_id', site.id).maybeSingle() : Promise.resolve({ data: null, error: null }),
  ]);
  return {
    recipients: unwrap(recipients, 'load the recipients'),
    members: unwrap(members, 'load the members'),
    invitations: unwrap(invitations, 'load the invitations'),
    secret: unwrap(secret, 'load the webhook secret'),
  };
}
