/**
 * Row shapes the dashboard reads through PostgREST (supabase/migrations): each is the generated row
 * type (database.types.ts, `npm run gen:types`) picked down to the columns the dashboard selects.
 * A renamed or dropped column, or a column whose type changed, breaks `npm run typecheck`.
 *
 * Where the database stores a word from one of core's lists in a text column (a viewport, a flow
 * result's status), the row type names core's type; a narrowing must fit the generated type (Row's
 * third argument is checked against it). A column whose check constraint lists its words is already
 * generated as those words (so the client's answer fits without a cast); one without (bugs.viewports)
 * is read with core's list in queries.ts. JSON columns are typed with core's zod-inferred types and
 * are parsed where they are read (queries.ts), never cast.
 */

import { BUG_STATUSES, BUG_TYPES, SEVERITIES, type BugStatus, type BugType, type Severity } from '@flowlens/core/bug';
import type { HealthComponents, StoredHealthInputs } from '@flowlens/core/health';
import type { CrawlTrigger, MemberRole, RunState, RunSummary } from '@flowlens/core/queue';
import type { FingerprintPart } from '@flowlens/core/fingerprint';
import type { Evidence, FlowResultStatus } from '@flowlens/core/report';
import type { StepAction } from '@flowlens/core/flow';
import { VIEWPORT_NAMES, type ViewportName } from '@flowlens/core/viewport';
import type { Database, Json, Tables } from './database.types.ts';

// The vocabularies are core's (the crawler, the database enums — tests/database/vocabulary.test.ts —
// and the emails use the same strings); re-exported here so pages import every row type from one place.
export { BUG_STATUSES, BUG_TYPES, SEVERITIES, type BugStatus, type BugType, type Severity, type CrawlTrigger, type MemberRole };
export type { Evidence, FingerprintPart, RunSummary };
export type { AxeEvidence, RequestEvidence } from '@flowlens/core/report';
export const VIEWPORTS = VIEWPORT_NAMES;
export type Viewport = ViewportName;

export type RunStatus = RunState;

type TableName = keyof Database['public']['Tables'];

/** A JSON column is typed by what its parse returns; any other column may only be narrowed. */
type Narrowing<Column> = [Json] extends [Column] ? unknown : Column;

/**
 * The columns K of table T as PostgREST returns them, with some narrowed (N): each narrowing must be
 * assignable to the generated column type, so it can only make a column more precise, not different
 * (JSON columns excepted: they are typed by their parse).
 */
export type Row<T extends TableName, K extends keyof Tables<T>, N extends { [C in K]?: Narrowing<Tables<T>[C]> } = Record<never, never>> = {
  [C in K]: C extends keyof N ? Exclude<N[C], undefined> : Tables<T>[C];
};

export type Organization = Row<'organizations', 'id' | 'name'>;

export type Membership = Row<'organization_members', 'organization_id' | 'user_id' | 'role' | 'email' | 'created_at'>;

export type Site = Row<
  'sites',
  'id' | 'organization_id' | 'name' | 'base_url' | 'allowed_origins' | 'timezone' | 'crawl_enabled' | 'crawl_time' | 'crawl_days' | 'viewports' | 'discover_pages' | 'created_at',
  { viewports: Viewport[] }
>;

export type BugListRow = Row<
  'bugs',
  'id' | 'site_id' | 'type' | 'severity' | 'title' | 'url_template' | 'status' | 'viewports' | 'first_seen_at' | 'last_seen_at' | 'last_run_id' | 'snoozed_until' | 'false_positive' | 'flow_id',
  { viewports: Viewport[] }
>;

export type Bug = BugListRow &
  Row<
    'bugs',
    'fingerprint' | 'fingerprint_parts' | 'message' | 'page_url' | 'selector' | 'step_index' | 'fixed_at' | 'times_regressed' | 'first_run_id' | 'false_positive_at' | 'deploy_event_id',
    /** null for bugs first seen before the parts were stored (read with core's readStoredFingerprintParts). */
    { fingerprint_parts: FingerprintPart[] | null }
  >;

/** evidence: read with core's readStoredEvidence. */
export type Occurrence = Row<'bug_occurrences', 'id' | 'bug_id' | 'run_id' | 'viewport' | 'page_url' | 'seen_at' | 'evidence', { viewport: Viewport; evidence: Evidence }>;

/** details: written by SQL (audit triggers), read as a plain object. */
export type AuditEntry = Row<'audit_log', 'id' | 'bug_id' | 'actor_id' | 'action' | 'details' | 'created_at', { details: Record<string, unknown> }>;

export type RunRow = Row<
  'crawl_runs',
  'id' | 'site_id' | 'trigger' | 'status' | 'created_at' | 'started_at' | 'finished_at' | 'health_score' | 'error' | 'deploy_event_id' | 'viewports',
  { viewports: Viewport[] }
> & {
  /** summary -> new / fixed / regressed / previousHealthScore (never the long `persistent` list in lists), read with core's RunSummarySchema. */
  new_ids: RunSummary['new'] | null;
  fixed_ids: RunSummary['fixed'] | null;
  regressed_ids: RunSummary['regressed'] | null;
  previous_score: RunSummary['previousHealthScore'];
  deploy_events?: Pick<DeployEvent, 'commit_sha' | 'branch'> | null;
};

export type { HealthComponents, StoredHealthInputs };

export type HealthScoreRow = Row<'health_scores', 'id' | 'run_id' | 'score' | 'computed_at'>;

/**
 * components and inputs are written by SQL's finalise_health (private.health_score, core/HEALTH.md) and
 * read with core's readStoredHealthComponents / readStoredHealthInputs (null: missing or unreadable).
 */
export type HealthScoreDetail = HealthScoreRow &
  Row<'health_scores', 'components' | 'inputs' | 'formula_version', { components: HealthComponents | null; inputs: StoredHealthInputs }>;

export type DeployEvent = Row<'deploy_events', 'id' | 'commit_sha' | 'branch' | 'environment' | 'received_at'>;

export type PageRow = Row<'pages', 'id' | 'url_template' | 'title'>;

export const METRICS = ['load_ms', 'lcp_ms', 'fcp_ms', 'ttfb_ms', 'cls'] as const;
export type Metric = (typeof METRICS)[number];

export type PageMetricRow = Row<
  'page_metrics',
  'page_id' | 'run_id' | 'viewport' | 'measured_at' | 'ttfb_ms' | 'fcp_ms' | 'lcp_ms' | 'cls' | 'load_ms',
  { viewport: Viewport }
> & { pages?: Pick<PageRow, 'url_template'> | null };

export type BaselineRow = Row<'page_baselines', 'page_id' | 'viewport' | 'metric' | 'samples' | 'mean' | 'stddev', { viewport: Viewport; metric: Metric }>;

export type Flow = Row<'flows', 'id' | 'site_id' | 'name' | 'start_url' | 'critical' | 'version' | 'updated_at'>;

export type FlowResult = Row<
  'flow_results',
  'id' | 'flow_id' | 'run_id' | 'viewport' | 'source' | 'status' | 'missing_secrets' | 'healed_steps' | 'failed_step' | 'finished_at',
  {
    viewport: Viewport;
    source: 'crawler' | 'walkthrough';
    /** needs_setup: not run, a secret the flow types is not stored (missing_secrets names it). */
    status: FlowResultStatus;
  }
>;

/** data is the step's stored JSON; only selectors are read from it (as unknown, for display). */
export type FlowStep = Row<
  'flow_steps',
  'id' | 'position' | 'action' | 'label' | 'instruction' | 'screenshot_path' | 'data',
  { action: StepAction; data: { selectors?: unknown[] } & Record<string, unknown> }
>;

/** from_selector / to_selector are shown as text, never interpreted. */
export type SelectorProposal = Row<
  'selector_proposals',
  'id' | 'step_id' | 'flow_id' | 'from_selector' | 'to_selector' | 'confidence' | 'run_id' | 'status' | 'created_at',
  { from_selector: unknown; to_selector: unknown; status: 'pending' | 'accepted' | 'rejected' }
>;

export type CrawlJob = Row<'crawl_jobs', 'id' | 'flow_id' | 'viewport' | 'status' | 'attempts' | 'started_at' | 'finished_at' | 'last_error', { viewport: Viewport }>;

/** The recipient columns the settings page reads and writes back. */
export const RECIPIENT_COLUMNS = 'id,user_id,email,instant,daily,weekly,confirmed_at,confirmation_sent_at';

/**
 * confirmed_at: null while an address an admin added has not confirmed by the link in its email (issue 14);
 * confirmation_sent_at: when its confirmation email went out (null while it is still to be sent).
 */
export type Recipient = Row<'notification_recipients', 'id' | 'user_id' | 'email' | 'instant' | 'daily' | 'weekly' | 'confirmed_at' | 'confirmation_sent_at'>;

export type Invitation = Row<'invitations', 'id' | 'email' | 'role' | 'created_at' | 'expires_at' | 'accepted_at'>;
