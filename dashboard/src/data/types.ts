/**
 * Row shapes the dashboard reads through PostgREST (supabase/migrations). Only the columns the
 * dashboard selects; names are the database's.
 */

import { BUG_STATUSES, BUG_TYPES, SEVERITIES, type BugStatus, type BugType, type Severity } from '@flowlens/core/bug';
import type { CrawlTrigger, MemberRole, RunState } from '@flowlens/core/queue';
import { VIEWPORT_NAMES, type ViewportName } from '@flowlens/core/viewport';

// The vocabularies are core's (the crawler, the database enums — tests/database/vocabulary.test.ts —
// and the emails use the same strings); re-exported here so pages import every row type from one place.
export { BUG_STATUSES, BUG_TYPES, SEVERITIES, type BugStatus, type BugType, type Severity, type CrawlTrigger, type MemberRole };
export const VIEWPORTS = VIEWPORT_NAMES;
export type Viewport = ViewportName;

export type RunStatus = RunState;

export interface Organization {
  id: string;
  name: string;
}

export interface Membership {
  organization_id: string;
  user_id: string;
  role: MemberRole;
  email: string | null;
  created_at: string;
}

export interface Site {
  id: string;
  organization_id: string;
  name: string;
  base_url: string;
  allowed_origins: string[];
  timezone: string;
  crawl_enabled: boolean;
  crawl_time: string;
  crawl_days: number[];
  viewports: Viewport[];
  discover_pages: number;
  created_at: string;
}

export interface BugListRow {
  id: string;
  site_id: string;
  type: BugType;
  severity: Severity;
  title: string;
  url_template: string;
  status: BugStatus;
  viewports: Viewport[];
  first_seen_at: string;
  last_seen_at: string;
  last_run_id: string | null;
  snoozed_until: string | null;
  false_positive: boolean;
  flow_id: string | null;
}

/** One part of what a bug's fingerprint hashed (core FingerprintPart), stored with the bug. */
export interface FingerprintPartRow {
  name: string;
  value: string;
  contributes: boolean;
  reason: string;
}

export interface Bug extends BugListRow {
  fingerprint: string;
  /** null for bugs first seen before the parts were stored. */
  fingerprint_parts: FingerprintPartRow[] | null;
  message: string | null;
  page_url: string | null;
  selector: string | null;
  step_index: number | null;
  fixed_at: string | null;
  times_regressed: number;
  first_run_id: string | null;
  false_positive_at: string | null;
  deploy_event_id: string | null;
}

export interface AxeEvidence {
  ruleId: string;
  impact?: string;
  helpUrl?: string;
  target?: string | string[];
  html?: string;
}

export interface RequestEvidence {
  url: string;
  method: string;
  status?: number;
  failure?: string;
}

export interface Evidence {
  screenshot?: string;
  console?: string[];
  request?: RequestEvidence;
  axe?: AxeEvidence;
  reproSteps?: string[];
}

export interface Occurrence {
  id: string;
  bug_id: string;
  run_id: string;
  viewport: Viewport;
  page_url: string | null;
  seen_at: string;
  evidence: Evidence;
}

export interface AuditEntry {
  id: number;
  bug_id: string | null;
  actor_id: string | null;
  action: string;
  details: Record<string, unknown>;
  created_at: string;
}

export interface RunSummaryCounts {
  new: string[] | null;
  fixed: string[] | null;
  regressed: string[] | null;
  pagesAdded: string[] | null;
  pagesRemoved: string[] | null;
  healthScore: number | null;
  previousHealthScore: number | null;
  deployEventId: string | null;
}

export interface RunRow {
  id: string;
  site_id: string;
  trigger: CrawlTrigger;
  status: RunStatus;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  health_score: number | null;
  error: string | null;
  deploy_event_id: string | null;
  viewports: Viewport[];
  /** summary -> new / fixed / regressed (never the long `persistent` list in lists). */
  new_ids: string[] | null;
  fixed_ids: string[] | null;
  regressed_ids: string[] | null;
  previous_score: number | null;
  deploy_events?: { commit_sha: string; branch: string | null } | null;
}

/** crawl_runs.summary, as core's RunSummarySchema reads it. */
export type { RunSummary } from '@flowlens/core/queue';

export interface HealthComponents {
  bugs: number;
  flows: number;
  performance: number;
  accessibility: number;
}

export interface HealthScoreRow {
  id: string;
  run_id: string;
  score: number;
  computed_at: string;
}

export interface HealthScoreDetail extends HealthScoreRow {
  components: HealthComponents;
  inputs: {
    bugs?: Partial<Record<Severity, number>>;
    flows?: { passed?: number; total?: number };
    performance?: { regressed?: number; measured?: number };
    accessibility?: Record<string, number>;
  };
  formula_version: string;
}

export interface DeployEvent {
  id: string;
  commit_sha: string;
  branch: string | null;
  environment: string | null;
  received_at: string;
}

export interface PageRow {
  id: string;
  url_template: string;
  title: string | null;
}

export const METRICS = ['load_ms', 'lcp_ms', 'fcp_ms', 'ttfb_ms', 'cls'] as const;
export type Metric = (typeof METRICS)[number];

export interface PageMetricRow {
  page_id: string;
  run_id: string;
  viewport: Viewport;
  measured_at: string;
  ttfb_ms: number | null;
  fcp_ms: number | null;
  lcp_ms: number | null;
  cls: number | null;
  load_ms: number | null;
  pages?: { url_template: string } | null;
}

export interface BaselineRow {
  page_id: string;
  viewport: Viewport;
  metric: Metric;
  samples: number;
  mean: number;
  stddev: number;
}

export interface Flow {
  id: string;
  site_id: string;
  name: string;
  start_url: string;
  critical: boolean;
  version: number;
  updated_at: string;
}

export interface FlowResult {
  id: string;
  flow_id: string;
  run_id: string | null;
  viewport: Viewport;
  source: 'crawler' | 'walkthrough';
  /** needs_setup: not run, a secret the flow types is not stored (missing_secrets names it). */
  status: 'passed' | 'failed' | 'errored' | 'needs_setup';
  missing_secrets?: string[];
  healed_steps: number[];
  failed_step: number | null;
  finished_at: string;
}

export interface FlowStep {
  id: string;
  position: number;
  action: string;
  label: string;
  instruction: string | null;
  screenshot_path: string | null;
  data: { selectors?: unknown[] } & Record<string, unknown>;
}

export interface SelectorProposal {
  id: string;
  step_id: string;
  flow_id: string;
  from_selector: unknown;
  to_selector: unknown;
  confidence: number;
  run_id: string | null;
  status: 'pending' | 'accepted' | 'rejected';
  created_at: string;
}

export interface CrawlJob {
  id: string;
  flow_id: string | null;
  viewport: Viewport;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  attempts: number;
  started_at: string | null;
  finished_at: string | null;
  last_error: string | null;
}

/** The recipient columns the settings page reads and writes back. */
export const RECIPIENT_COLUMNS = 'id,user_id,email,instant,daily,weekly,confirmed_at,confirmation_sent_at';

export interface Recipient {
  id: string;
  user_id: string | null;
  email: string;
  instant: boolean;
  daily: boolean;
  weekly: boolean;
  /** Null while an address an admin added has not confirmed by the link in its email (issue 14). */
  confirmed_at: string | null;
  /** When its confirmation email went out (null while it is still to be sent). */
  confirmation_sent_at: string | null;
}

export interface Invitation {
  id: string;
  email: string;
  role: MemberRole;
  created_at: string;
  expires_at: string;
  accepted_at: string | null;
}
