/**
 * The queue contract between Postgres and the worker (supabase/migrations/…_queue.sql, DESIGN.md
 * §5), and the run summary finalisation writes for the dashboard and emails:
 *
 * - the crawl vocabularies, exactly the SQL enums (tests/database/vocabulary.test.ts compares them);
 * - JobPayloadSchema: what `claim_jobs` hands a worker per job (private.job_payload). The worker
 *   parses it after claiming and refuses, without retries, a job it cannot read;
 * - RunSummarySchema: crawl_runs.summary as finalise_run builds it. The dashboard parses it; a
 *   summary written by an older finalise (a missing list) reads as empty, never as a crash.
 *
 * The flow travels as database rows (flow + flow_steps): core's flowFromRows turns them into a
 * validated Flow, so the step shapes are checked there, once.
 */
import { z } from 'zod';
import { LABEL_SOURCES, STEP_ACTIONS } from './flow.ts';
import { A11Y_AUDIT_LIMITS, A11yAuditKeySchema, A11yAuditNodeSchema } from './report.ts';
import { VIEWPORT_NAMES } from './viewport.ts';

/** What started a run (enum public.crawl_trigger). */
export const CRAWL_TRIGGERS = ['schedule', 'deploy', 'manual'] as const;
export type CrawlTrigger = (typeof CRAWL_TRIGGERS)[number];

/** A run's state (enum public.run_status). */
export const RUN_STATES = ['queued', 'running', 'completed', 'failed', 'cancelled'] as const;
export type RunState = (typeof RUN_STATES)[number];

/** A job's state (enum public.job_status). */
export const JOB_STATUSES = ['queued', 'running', 'done', 'failed', 'cancelled'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

/** Roles in an organisation (enum public.member_role). */
export const MEMBER_ROLES = ['owner', 'admin', 'member'] as const;
export type MemberRole = (typeof MEMBER_ROLES)[number];

const id = z.string().uuid();
const count = z.number().int().min(0);

/** An array whose unreadable entries are dropped rather than failing the whole payload. */
function lenientArray<T extends z.ZodType>(item: T) {
  return z.array(z.unknown()).transform((xs) => xs.flatMap((x) => {
    const r = item.safeParse(x);
    return r.success ? [r.data as z.output<T>] : [];
  }));
}

/** One stored audit as the job payload carries it (private.page_audits). */
export const StoredA11yAuditSchema = z.object({
  urlTemplate: z.string().min(1),
  key: A11yAuditKeySchema,
  auditedAt: z.string().refine((s) => !Number.isNaN(Date.parse(s)), { error: 'must be an ISO 8601 date-time' }),
  incomplete: count,
  nodes: z.array(A11yAuditNodeSchema).max(A11Y_AUDIT_LIMITS.nodes),
});
export type StoredA11yAudit = z.output<typeof StoredA11yAuditSchema>;

const StepRowSchema = z.object({
  id,
  position: count,
  action: z.enum(STEP_ACTIONS),
  data: z.record(z.string(), z.unknown()),
  label: z.string(),
  label_source: z.enum(LABEL_SOURCES),
  label_confidence: z.number().nullable(),
  instruction: z.string().nullable(),
  screenshot_path: z.string().nullable(),
});

export const JobPayloadSchema = z.object({
  job: z.object({
    id,
    /** The site's organisation (for the worker's log lines); absent from payloads of older databases. */
    organizationId: id.optional(),
    runId: id,
    siteId: id,
    /** null: a discovery job (crawl the site's pages), else one flow on one viewport. */
    flowId: id.nullable(),
    flowVersion: z.number().int().min(1).nullable(),
    viewport: z.enum(VIEWPORT_NAMES),
    attempts: count,
    maxAttempts: z.number().int().min(1),
    leaseExpiresAt: z.string().nullable().optional(),
  }),
  run: z.object({ id, trigger: z.enum(CRAWL_TRIGGERS), deployEventId: id.nullable() }),
  site: z.object({
    id,
    name: z.string(),
    baseUrl: z.string(),
    allowedOrigins: z.array(z.string()),
    isLocal: z.boolean(),
    discoverPages: count,
    timezone: z.string(),
  }),
  /** The flow as database rows (flowFromRows reads exactly these keys); null for discovery. */
  flow: z
    .object({
      id,
      site_id: id,
      name: z.string(),
      start_url: z.string(),
      critical: z.boolean(),
      version: z.number().int().min(1),
      schema_version: z.number().int().min(1),
      steps: z.array(StepRowSchema),
    })
    .nullable(),
  credentials: z.array(z.object({ name: z.string(), ciphertext: z.string() })),
  /** Context for detectors: an entry that does not read is left out (the job still runs without it). */
  baselines: lenientArray(
    z.object({ urlTemplate: z.string(), viewport: z.enum(VIEWPORT_NAMES), metric: z.string(), mean: z.number(), stddev: z.number(), samples: count }),
  ),
  pages: lenientArray(
    z.object({
      urlTemplate: z.string(),
      fingerprint: z.object({ elements: count, forms: count, ctas: count, images: count, structureHash: z.string() }),
    }),
  ),
  /**
   * The site's stored accessibility audits for this job's viewport that may be reused (younger than
   * A11Y_AUDIT_LIMITS.maxAgeDays; none for a deploy-triggered run). Absent from older databases.
   */
  audits: lenientArray(StoredA11yAuditSchema).default([]),
});
export type JobPayload = z.output<typeof JobPayloadSchema>;

/** Every problem of a payload in one sentence ("job.viewport: …; site.baseUrl: …"), or null. */
export function jobPayloadProblems(value: unknown): string | null {
  const parsed = JobPayloadSchema.safeParse(value);
  if (parsed.success) return null;
  return parsed.error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(payload)'}: ${i.message}`)
    .join('; ');
}

const ids = z.array(id).catch([]);
const texts = z.array(z.string()).catch([]);

/** crawl_runs.summary (finalise_run): a list missing from an older summary reads as empty. */
export const RunSummarySchema = z.object({
  new: ids.default([]),
  regressed: ids.default([]),
  persistent: ids.default([]),
  fixed: ids.default([]),
  pagesAdded: texts.default([]),
  pagesRemoved: texts.default([]),
  healthScore: z.number().int().min(0).max(100).nullable().catch(null).default(null),
  previousHealthScore: z.number().int().min(0).max(100).nullable().catch(null).default(null),
  jobs: z.object({ done: count, total: count }).nullable().catch(null).default(null),
  deployEventId: id.nullable().catch(null).default(null),
  /**
   * How the run's accessibility audits were made, per page × viewport: audited fresh, or an unchanged
   * page's stored audit reused (since `reusedSince`, the oldest of them). Null in older summaries.
   */
  a11yAudits: z
    .object({ fresh: count, reused: count, reusedSince: z.string().refine((s) => !Number.isNaN(Date.parse(s))).nullable().catch(null) })
    .nullable()
    .catch(null)
    .default(null),
});
export type RunSummary = z.output<typeof RunSummarySchema>;

/** A summary as the dashboard shows it; anything unreadable becomes an empty summary. */
export function parseRunSummary(value: unknown): RunSummary {
  const parsed = RunSummarySchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : RunSummarySchema.parse({});
}
