/**
 * One vocabulary (issue 16): every word list core exports that the database also spells — an enum
 * or a check constraint — is compared with what the migrated database holds, in both directions. A
 * new severity, step action, viewport or status added on one side only fails here, not in a
 * customer's crawl.
 */
import { ALERT_CHANNEL_KINDS, ALERT_CHANNEL_STATUSES, ALERT_DECISIONS, ALERT_POLICY_MODES, BUG_STATUSES, BUG_TYPES, CRAWL_TRIGGERS, FLOW_RESULT_STATUSES, JOB_STATUSES, LABEL_SOURCES, MEMBER_ROLES, OPEN_BUG_STATUSES, PERF_METRICS, perfMetricColumn, RUN_STATES, SEVERITIES, STEP_ACTIONS, VIEWPORT_NAMES } from '@flowlens/core';
import { beforeAll, describe, expect, it } from 'vitest';
import { withDb } from '@flowlens/stack/testing';

let enums: Map<string, string[]>;
let checks: Map<string, string[]>;

beforeAll(async () => {
  await withDb(async (db) => {
    const e = await db.query<{ name: string; labels: string[] }>(
      `select t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
         from pg_type t join pg_enum e on e.enumtypid = t.oid
        where t.typnamespace = 'public'::regnamespace group by t.typname`,
    );
    enums = new Map(e.rows.map((r) => [r.name, r.labels]));
    const c = await db.query<{ name: string; def: string }>(
      `select conrelid::regclass::text || '.' || conname as name, pg_get_constraintdef(oid) as def
         from pg_constraint where contype = 'c' and connamespace = 'public'::regnamespace`,
    );
    // The quoted words of each check constraint ('desktop'::text, … or '{desktop,tablet}'::text[]), without repeats.
    const words = (def: string) => [...def.matchAll(/'([^']*)'::text(\[\])?/g)].flatMap((m) => (m[2] ? m[1]!.replace(/^\{|\}$/g, '').split(',') : [m[1]!]));
    checks = new Map(c.rows.map((r) => [r.name, [...new Set(words(r.def))]]));
  });
});

const sorted = (xs: readonly string[]) => [...xs].sort();

function check(name: string): string[] {
  const words = checks.get(name);
  if (!words) throw new Error(`no check constraint ${name} in the database (renamed? update this test and core together)`);
  return words;
}

describe('core and the database spell the same words', () => {
  it.each([
    ['bug_type', BUG_TYPES],
    ['bug_severity', SEVERITIES],
    ['bug_status', BUG_STATUSES],
    ['crawl_trigger', CRAWL_TRIGGERS],
    ['run_status', RUN_STATES],
    ['job_status', JOB_STATUSES],
    ['member_role', MEMBER_ROLES],
  ] as const)('enum public.%s', (name, words) => {
    expect(enums.get(name), `enum ${name}`).toEqual([...words]);
  });

  it.each([
    ['flow_steps.flow_steps_action_valid', STEP_ACTIONS],
    ['flow_steps.flow_steps_label_source_valid', LABEL_SOURCES],
    ['flow_results.flow_results_status_valid', FLOW_RESULT_STATUSES],
    ['flow_results.flow_results_viewport_valid', VIEWPORT_NAMES],
    ['crawl_jobs.crawl_jobs_viewport_valid', VIEWPORT_NAMES],
    ['page_metrics.page_metrics_viewport_valid', VIEWPORT_NAMES],
    ['page_baselines.page_baselines_viewport_valid', VIEWPORT_NAMES],
    ['bug_occurrences.bug_occurrences_viewport_valid', VIEWPORT_NAMES],
    ['page_baselines.page_baselines_metric_valid', PERF_METRICS.map(perfMetricColumn)],
    ['alert_channels.alert_channels_kind_valid', ALERT_CHANNEL_KINDS],
    ['alert_channels.alert_channels_status_valid', ALERT_CHANNEL_STATUSES],
    ['alert_policies.alert_policies_mode_valid', ALERT_POLICY_MODES],
    ['alert_decisions.alert_decisions_decision_valid', ALERT_DECISIONS],
  ] as const)('check %s', (name, words) => {
    expect(sorted(check(name))).toEqual(sorted(words));
  });

  it('every viewport check constraint, wherever it is, lists exactly the viewports', () => {
    const viewportChecks = [...checks].filter(([name]) => /viewports?_valid$/.test(name));
    expect(viewportChecks.length).toBeGreaterThanOrEqual(6);
    for (const [name, words] of viewportChecks) expect(sorted(words), name).toEqual(sorted(VIEWPORT_NAMES));
  });

  it('"open" is the same rule in SQL as in core', async () => {
    const open = await withDb(async (db) => (await db.query<{ status: string }>(
      `select s::text as status from unnest(enum_range(null::public.bug_status)) s
        where private.bug_is_open(s, false, null, now()) order by 1`,
    )).rows.map((r) => r.status));
    expect(open).toEqual(sorted(BUG_STATUSES.filter((s) => s !== 'fixed')));
    expect(open).toEqual(sorted(OPEN_BUG_STATUSES));
  });

  it('"open" is spelled in one place in SQL: the dashboard\'s field and every other use call private.bug_is_open', async () => {
    const fns = await withDb(async (db) => (await db.query<{ name: string; src: string }>(
      `select n.nspname || '.' || p.proname as name, p.prosrc as src from pg_proc p join pg_namespace n on n.oid = p.pronamespace
        where n.nspname in ('public', 'private') and p.prokind = 'f'`,
    )).rows);
    const spellsStatuses = fns.filter((f) => /'new'\s*,\s*'active'\s*,\s*'regressed'/.test(f.src)).map((f) => f.name);
    expect(spellsStatuses).toEqual(['private.bug_status_is_open']);
    const field = fns.find((f) => f.name === 'public.is_open');
    expect(field?.src).toMatch(/private\.bug_is_open\(/);
  });
});
