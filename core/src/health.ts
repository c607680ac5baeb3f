/**
 * The site health score (DESIGN.md §5), formula version `v1`. Integer arithmetic only, so the SQL
 * re-implementation in finalisation gives the same number bit for bit (core/HEALTH.md has the SQL).
 *
 * Inputs (all non-negative integers):
 *   bugs          active bugs by severity P0..P3 (new, active or regressed; not snoozed, not false positives)
 *   flows         flow runs of the run: passed (incl. healed) and total (errored runs excluded — they say
 *                 nothing about the site)
 *   performance   page × viewport × metric comparisons with a baseline: withinBaseline and regressed
 *   accessibility active a11y bugs by axe impact
 *
 * Components, each an integer 0..100 (÷ is integer division, i.e. floor for non-negative numbers):
 *   bugs          = max(0, 100 − (40·P0 + 15·P1 + min(40, 5·P2) + min(20, P3)))
 *   flows         = 100 if total = 0, else (200·passed + total) ÷ (2·total)              — 100·passed/total rounded half up
 *   performance   = 100 if n = 0,     else (200·withinBaseline + n) ÷ (2·n), n = withinBaseline + regressed
 *   accessibility = max(0, 100 − (10·critical + 5·serious + min(20, 2·moderate) + min(10, minor)))
 *
 * Score:
 *   weighted = (40·bugs + 30·flows + 15·performance + 15·accessibility + 50) ÷ 100   — weighted mean rounded half up
 *   score    = min(weighted, 50) if P0 > 0, else weighted
 *
 * Properties (tested): 100 for a clean site with every flow passing; never above 50 with a P0;
 * monotone — another bug, a severer bug, a failed flow or a regression never raises the score.
 * The caps inside min() stop many minor findings from drowning the signal of the severe ones.
 */

import { z } from 'zod';

export const HEALTH_FORMULA_VERSION = 'v1';

const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);
const percent = z.number().int().min(0).max(100);

/**
 * The inputs, as private.finalise_health builds them (supabase/migrations/20261203008000_finalise_steps.sql)
 * and stores them in health_scores.inputs. tests/database/queue.test.ts parses what finalise_run
 * wrote with this schema, so SQL and core cannot name a part differently without a red test.
 */
export const HealthInputsSchema = z.object({
  bugs: z.object({ P0: count, P1: count, P2: count, P3: count }),
  flows: z.object({ passed: count, total: count }),
  performance: z.object({ withinBaseline: count, regressed: count }),
  accessibility: z.object({ critical: count, serious: count, moderate: count, minor: count }),
});
export type HealthInputs = z.infer<typeof HealthInputsSchema>;

/** health_scores.components, as private.health_score returns them. */
export const HealthComponentsSchema = z.object({ bugs: percent, flows: percent, performance: percent, accessibility: percent });
export type HealthComponents = z.infer<typeof HealthComponentsSchema>;

export interface HealthScore {
  /** 0..100 */
  score: number;
  components: HealthComponents;
  formulaVersion: string;
}

/** A stored score's inputs, each part null when it is missing or does not read (a row from an older formula). */
export type StoredHealthInputs = { [K in keyof HealthInputs]: HealthInputs[K] | null };

/**
 * health_scores.inputs as stored, read part by part (like readStoredEvidence): one unreadable part
 * does not hide the others, and is null rather than shown as zeros.
 */
export function readStoredHealthInputs(value: unknown): StoredHealthInputs {
  const raw = typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : {};
  const part = <K extends keyof HealthInputs>(key: K): HealthInputs[K] | null => {
    const parsed = HealthInputsSchema.shape[key].safeParse(raw[key]);
    return parsed.success ? (parsed.data as HealthInputs[K]) : null;
  };
  return { bugs: part('bugs'), flows: part('flows'), performance: part('performance'), accessibility: part('accessibility') };
}

/** health_scores.components as stored; null when they do not read. */
export function readStoredHealthComponents(value: unknown): HealthComponents | null {
  const parsed = HealthComponentsSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

/** Weights of the components in the score, in percent. */
export const HEALTH_WEIGHTS = { bugs: 40, flows: 30, performance: 15, accessibility: 15 } as const;
/** The highest score a site with an active P0 can have. */
export const HEALTH_P0_CAP = 50;

/** Integer division rounding down, for non-negative integers (SQL: `a / b` on integers). */
function div(a: number, b: number): number {
  return Math.floor(a / b);
}

/** a / b rounded half up, for non-negative integers: (2a + b) ÷ 2b. */
function ratioPercent(part: number, whole: number): number {
  return whole === 0 ? 100 : div(200 * part + whole, 2 * whole);
}

function checkInputs(inputs: HealthInputs): void {
  const problems: string[] = [];
  const check = (path: string, v: number) => {
    if (!Number.isInteger(v) || v < 0) problems.push(`${path} must be a non-negative integer, got ${v}`);
  };
  for (const [k, v] of Object.entries(inputs.bugs)) check(`bugs.${k}`, v);
  for (const [k, v] of Object.entries(inputs.flows)) check(`flows.${k}`, v);
  for (const [k, v] of Object.entries(inputs.performance)) check(`performance.${k}`, v);
  for (const [k, v] of Object.entries(inputs.accessibility)) check(`accessibility.${k}`, v);
  if (inputs.flows.passed > inputs.flows.total) problems.push(`flows.passed (${inputs.flows.passed}) cannot exceed flows.total (${inputs.flows.total})`);
  if (problems.length > 0) throw new Error(`Health score inputs are invalid: ${problems.join('; ')}.`);
}

/** Computes the health score; throws on negative, fractional or inconsistent inputs. */
export function computeHealthScore(inputs: HealthInputs): HealthScore {
  checkInputs(inputs);
  const { P0, P1, P2, P3 } = inputs.bugs;
  const { critical, serious, moderate, minor } = inputs.accessibility;
  const bugs = Math.max(0, 100 - (40 * P0 + 15 * P1 + Math.min(40, 5 * P2) + Math.min(20, P3)));
  const flows = ratioPercent(inputs.flows.passed, inputs.flows.total);
  const performance = ratioPercent(inputs.performance.withinBaseline, inputs.performance.withinBaseline + inputs.performance.regressed);
  const accessibility = Math.max(0, 100 - (10 * critical + 5 * serious + Math.min(20, 2 * moderate) + Math.min(10, minor)));
  const weighted = div(
    HEALTH_WEIGHTS.bugs * bugs + HEALTH_WEIGHTS.flows * flows + HEALTH_WEIGHTS.performance * performance + HEALTH_WEIGHTS.accessibility * accessibility + 50,
    100,
  );
  const score = P0 > 0 ? Math.min(weighted, HEALTH_P0_CAP) : weighted;
  return { score, components: { bugs, flows, performance, accessibility }, formulaVersion: HEALTH_FORMULA_VERSION };
}

/** Inputs for a site with nothing known yet: scores 100. */
export function emptyHealthInputs(): HealthInputs {
  return {
    bugs: { P0: 0, P1: 0, P2: 0, P3: 0 },
    flows: { passed: 0, total: 0 },
    performance: { withinBaseline: 0, regressed: 0 },
    accessibility: { critical: 0, serious: 0, moderate: 0, minor: 0 },
  };
}
