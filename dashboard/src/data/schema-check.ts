/**
 * The dashboard's hand-written row types (types.ts) against the generated database types
 * (database.types.ts, `npm run gen:types`): this file does not compile when a row type names a
 * column its table does not have — a renamed or dropped column breaks `npm run typecheck`, not a
 * page in production. Aliased and embedded fields (PostgREST `alias:column`, `table(...)`) are listed
 * as extras per type.
 */
import type { Database, Tables } from './database.types.ts';
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
  Invitation,
  Membership,
  Occurrence,
  Organization,
  PageMetricRow,
  PageRow,
  Recipient,
  RunRow,
  SelectorProposal,
  Site,
} from './types.ts';

type TableName = keyof Database['public']['Tables'];
type Missing<T, Table extends TableName, Extra extends PropertyKey = never> = Exclude<keyof T, keyof Tables<Table> | Extra>;
type Check<M> = [M] extends [never] ? true : { columnsMissingFromTable: M };

export const ROW_TYPES_MATCH_SCHEMA: [
  Check<Missing<Organization, 'organizations'>>,
  Check<Missing<Membership, 'organization_members'>>,
  Check<Missing<Site, 'sites'>>,
  Check<Missing<BugListRow, 'bugs'>>,
  Check<Missing<Bug, 'bugs'>>,
  Check<Missing<Occurrence, 'bug_occurrences'>>,
  Check<Missing<AuditEntry, 'audit_log'>>,
  Check<Missing<RunRow, 'crawl_runs', 'new_ids' | 'fixed_ids' | 'regressed_ids' | 'previous_score' | 'deploy_events'>>,
  Check<Missing<HealthScoreDetail, 'health_scores'>>,
  Check<Missing<DeployEvent, 'deploy_events'>>,
  Check<Missing<PageRow, 'pages'>>,
  Check<Missing<PageMetricRow, 'page_metrics', 'pages'>>,
  Check<Missing<BaselineRow, 'page_baselines'>>,
  Check<Missing<Flow, 'flows'>>,
  Check<Missing<FlowResult, 'flow_results'>>,
  Check<Missing<FlowStep, 'flow_steps'>>,
  Check<Missing<SelectorProposal, 'selector_proposals'>>,
  Check<Missing<CrawlJob, 'crawl_jobs'>>,
  Check<Missing<Recipient, 'notification_recipients'>>,
  Check<Missing<Invitation, 'invitations'>>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
