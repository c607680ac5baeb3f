/**
 * A realistic Site Context for the dashboard's end-to-end tests and benchmark, written with the
 * superuser connection (the crawler's finalisation is not involved, so every number is known):
 *
 * - an organisation with its owner (and optional members), one site with 8 pages;
 * - `days` crawl runs, one a day (scheduled, some deploy-triggered, one manual), each with jobs,
 *   flow results for 3 flows × 3 viewports, page metrics, a health score computed by the schema's
 *   own `private.health_score` from the inputs, and the crawl diff in `crawl_runs.summary`;
 * - deploy events every few days, the last one a few hours before the latest run;
 * - bugs in every state (new, active, fixed, regressed, snoozed, false positive, one whose title
 *   and message are HTML) with occurrences and evidence (screenshots in Storage, console lines,
 *   failing requests, axe nodes, repro steps), plus `fillerBugs` generated ones;
 * - rolling baselines computed like finalisation does, and a pending healed-selector proposal.
 *
 * No vitest imports: the benchmark script uses it too.
 */
import { randomUUID } from 'node:crypto';
import type { HealthInputs } from '@flowlens/core/health';
import { createClient } from '@supabase/supabase-js';
import type pg from 'pg';
import ws from 'ws';
import { pageSketch } from './png.ts';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const VIEWPORTS = ['desktop', 'tablet', 'mobile'] as const;
type Viewport = (typeof VIEWPORTS)[number];
type Severity = 'P0' | 'P1' | 'P2' | 'P3';
type BugType = 'flow_broken' | 'js_error' | 'console_error' | 'request_failed' | 'broken_link' | 'a11y' | 'perf_regression' | 'layout_overflow' | 'page_changed';

export interface SeedOptions {
  ownerId: string;
  members?: { id: string; role: 'admin' | 'member' }[];
  /** Days of history: one run a day. At least 45 so every seeded lifecycle fits. */
  days?: number;
  /** Generated bugs on top of the named ones (the benchmark uses ~4,990). */
  fillerBugs?: number;
  siteName?: string;
  orgName?: string;
  /** Seed into this existing organisation (the owner must already be a member) instead of a new one. */
  organizationId?: string;
  /** Where to upload screenshots (service role, as the crawler would). Null: evidence without screenshots. */
  storage?: { apiUrl: string; serviceRoleKey: string } | null;
  now?: Date;
}

export const NAMED_BUGS = ['newJs', 'newFlow', 'a11y', 'perf', 'link', 'console', 'fixed', 'regressed', 'snoozed', 'falsePositive', 'html'] as const;
export type NamedBug = (typeof NAMED_BUGS)[number];

export const HTML_TITLE = '<img src=x onerror="window.__flowlensXss=1"><b>Uncaught</b> Error: <script>window.__flowlensXss=3</script>';
export const HTML_MESSAGE = '<script>window.__flowlensXss=2</script><a href="javascript:alert(1)">open the account page</a>';

export interface SeededSite {
  orgId: string;
  siteId: string;
  siteName: string;
  orgName: string;
  runIds: string[];
  latestRunId: string;
  latestScore: number;
  /** The inputs behind latestScore, as stored in health_scores.inputs. */
  latestInputs: HealthInputs;
  previousScore: number;
  deploys: { id: string; sha: string; receivedAt: string; runIndex: number }[];
  lastDeployId: string;
  flows: { checkout: string; signup: string; search: string };
  proposalId: string;
  bugs: Record<NamedBug, string>;
  titles: Record<NamedBug, string>;
  totalBugs: number;
}

/** Deterministic pseudo-random numbers, so the seeded world is the same every time. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function insertOne(db: pg.Client, table: string, row: Record<string, unknown>): Promise<Record<string, unknown>> {
  const keys = Object.keys(row);
  const values = keys.map((k) => {
    const v = row[k];
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : v;
  });
  const res = await db.query(`insert into public.${table} (${keys.map((k) => `"${k}"`).join(', ')}) values (${keys.map((_, i) => `$${i + 1}`).join(', ')}) returning *`, values);
  return res.rows[0] as Record<string, unknown>;
}

/** Many rows in one statement per chunk; columns not listed keep their defaults. */
async function bulk(db: pg.Client, table: string, rows: Record<string, unknown>[], chunk = 1500): Promise<void> {
  if (rows.length === 0) return;
  const cols = Object.keys(rows[0]!);
  const list = cols.map((c) => `"${c}"`).join(', ');
  for (let i = 0; i < rows.length; i += chunk) {
    await db.query(`insert into public.${table} (${list}) select ${list} from jsonb_populate_recordset(null::public.${table}, $1::jsonb)`, [JSON.stringify(rows.slice(i, i + chunk))]);
  }
}

interface BugPlan {
  key: string;
  id: string;
  type: BugType;
  severity: Severity;
  title: string;
  message: string | null;
  url: string;
  viewports: Viewport[];
  flow: 'checkout' | 'signup' | 'search' | null;
  step: number | null;
  /** Runs (by index) in which it was seen: inclusive [first, last] intervals. */
  intervals: Array<[number, number]>;
  snoozedUntil?: string;
  falsePositive?: boolean;
  evidence: (vp: Viewport, latest: boolean) => Record<string, unknown>;
  named: boolean;
}

const PAGES = [
  { url: '/', title: 'Lumen Supply — lamps and lights', load: 1100 },
  { url: '/products', title: 'All products', load: 1500 },
  { url: '/products/:id', title: 'Brass desk lamp', load: 1800 },
  { url: '/cart', title: 'Your cart', load: 950 },
  { url: '/checkout', title: 'Checkout', load: 1300 },
  { url: '/account', title: 'Your account', load: 1000 },
  { url: '/search', title: 'Search', load: 1200 },
  { url: '/blog/:slug', title: 'Journal', load: 2100 },
];

const FLOW_DEFS = {
  checkout: {
    name: 'Checkout',
    critical: true,
    steps: [
      ['navigate', 'Open the shop', { url: 'https://shop.lumen.example/' }],
      ['click', 'Open “Brass desk lamp”', { selectors: [{ kind: 'role', value: 'link', name: 'Brass desk lamp' }, { kind: 'css', value: 'a.product-card:nth-child(1)' }] }],
      ['click', 'Add it to the cart', { selectors: [{ kind: 'testid', value: 'add-to-cart' }] }],
      ['click', 'Go to checkout', { selectors: [{ kind: 'css', value: '#checkout-btn' }, { kind: 'text', value: 'Checkout' }] }],
      ['input', 'Enter the email address', { selectors: [{ kind: 'label', value: 'Email' }], value: 'buyer@example.com' }],
      ['click', 'Pay now', { selectors: [{ kind: 'css', value: '#pay-btn' }] }],
    ],
  },
  signup: {
    name: 'Sign up',
    critical: true,
    steps: [
      ['navigate', 'Open the sign-up page', { url: 'https://shop.lumen.example/signup' }],
      ['input', 'Type the email address', { selectors: [{ kind: 'label', value: 'Email' }], value: 'new@example.com' }],
      ['input', 'Choose a password', { selectors: [{ kind: 'label', value: 'Password' }], value: '{{secret:PASSWORD}}', element: { attributes: { type: 'password' } } }],
      ['click', 'Create the account', { selectors: [{ kind: 'role', value: 'button', name: 'Create account' }] }],
      ['assert', 'See the welcome message', { selectors: [{ kind: 'text', value: 'Welcome' }] }],
    ],
  },
  search: {
    name: 'Search',
    critical: false,
    steps: [
      ['navigate', 'Open the shop', { url: 'https://shop.lumen.example/' }],
      ['input', 'Search for “lamp”', { selectors: [{ kind: 'role', value: 'searchbox' }], value: 'lamp' }],
      ['keypress', 'Press Enter', { key: 'Enter' }],
      ['assert', 'See the results', { selectors: [{ kind: 'testid', value: 'results' }] }],
    ],
  },
} as const;

type FlowKey = keyof typeof FLOW_DEFS;

export async function seedSiteContext(db: pg.Client, opts: SeedOptions): Promise<SeededSite> {
  const days = Math.max(45, opts.days ?? 45);
  const now = opts.now ?? new Date();
  const rand = prng(days * 7919 + (opts.fillerBugs ?? 0));
  const tag = randomUUID().slice(0, 6);
  const orgName = opts.orgName ?? `Lumen Supply ${tag}`;
  const siteName = opts.siteName ?? 'Lumen shop';
  const L = days - 1;

  // Organisation, members, site ------------------------------------------------------------------
  await db.query('begin');
  try {
    let orgId = opts.organizationId ?? '';
    if (!orgId) {
      const org = await insertOne(db, 'organizations', { name: orgName, created_by: opts.ownerId });
      orgId = org.id as string;
      await insertOne(db, 'organization_members', { organization_id: orgId, user_id: opts.ownerId, role: 'owner' });
    }
    for (const m of opts.members ?? []) await insertOne(db, 'organization_members', { organization_id: orgId, user_id: m.id, role: m.role });
    const site = await insertOne(db, 'sites', {
      organization_id: orgId,
      name: siteName,
      base_url: 'https://shop.lumen.example',
      allowed_origins: ['https://shop.lumen.example', 'https://cdn.lumen.example'],
      timezone: 'Europe/Amsterdam',
    });
    const siteId = site.id as string;

    // Runs: one a day, the latest two hours ago -----------------------------------------------------
    const runAt = (i: number) => new Date(now.getTime() - (L - i) * DAY - 2 * HOUR);
    const deployIdx = new Set<number>();
    for (let i = L; i >= 0; i -= 6) deployIdx.add(i);
    deployIdx.add(L - 20);
    const deploys: SeededSite['deploys'] = [];
    const deployOfRun = new Map<number, string>();
    for (const i of [...deployIdx].sort((a, b) => a - b)) {
      const id = randomUUID();
      const sha = Array.from({ length: 40 }, () => '0123456789abcdef'[Math.floor(rand() * 16)]).join('');
      const receivedAt = new Date(runAt(i).getTime() - (i === L ? 6 * HOUR : 4 * 60_000)).toISOString();
      deploys.push({ id, sha, receivedAt, runIndex: i });
      deployOfRun.set(i, id);
    }
    const lastDeploy = deploys.find((d) => d.runIndex === L)!;

    interface RunPlan {
      id: string;
      trigger: 'schedule' | 'deploy' | 'manual';
      created: Date;
      started: Date;
      finished: Date;
      deploy: string | null;
    }
    const runs: RunPlan[] = Array.from({ length: days }, (_, i) => {
      const isDeployRun = deployIdx.has(i) && i !== L;
      const trigger = isDeployRun ? 'deploy' : i === L - 8 ? 'manual' : 'schedule';
      const created = isDeployRun ? new Date(Date.parse(deploys.find((d) => d.runIndex === i)!.receivedAt) + 3 * 60_000) : runAt(i);
      const started = new Date(created.getTime() + 4000);
      return { id: randomUUID(), trigger, created, started, finished: new Date(started.getTime() + (180 + Math.floor(rand() * 360)) * 1000), deploy: isDeployRun ? deployOfRun.get(i)! : null };
    });
    /** The deploy a bug first seen in run i is attributed to (the one that triggered it, or one in the 24 h before). */
    const correlated = (i: number) => runs[i]!.deploy ?? deploys.find((d) => Date.parse(d.receivedAt) <= runs[i]!.created.getTime() && Date.parse(d.receivedAt) > runs[i]!.created.getTime() - DAY)?.id ?? null;

    // Flows and steps -----------------------------------------------------------------------------------
    const flowIds = {} as Record<FlowKey, string>;
    const stepIds = {} as Record<FlowKey, string[]>;
    for (const key of Object.keys(FLOW_DEFS) as FlowKey[]) {
      const def = FLOW_DEFS[key];
      const flow = await insertOne(db, 'flows', { site_id: siteId, name: def.name, start_url: 'https://shop.lumen.example/', critical: def.critical, version: 3, created_by: opts.ownerId });
      flowIds[key] = flow.id as string;
      stepIds[key] = [];
      for (const [pos, [action, label, data]] of def.steps.entries()) {
        const step = await insertOne(db, 'flow_steps', {
          flow_id: flow.id,
          position: pos,
          action,
          label,
          label_source: pos === 3 ? 'user' : 'ai',
          data,
          screenshot_path: key === 'checkout' ? `${siteId}/steps/${flow.id as string}/${pos}.png` : null,
        });
        stepIds[key].push(step.id as string);
      }
    }
    const reproFor = (flow: FlowKey | null, step: number | null) => (flow ? FLOW_DEFS[flow].steps.slice(0, (step ?? 0) + 1).map((s) => s[1] as string) : []);

    // Bugs ---------------------------------------------------------------------------------------------
    const clamp = (i: number) => Math.max(0, Math.min(L, i));
    const shot = (key: string, vp: Viewport) => `${siteId}/runs/${runs[L]!.id}/${vp}/${key}.png`;
    const plans: BugPlan[] = [];
    const named = (p: Omit<BugPlan, 'id' | 'named'>) => plans.push({ ...p, id: randomUUID(), named: true, intervals: p.intervals.map(([a, b]) => [clamp(a), clamp(b)] as [number, number]) });
    named({
      key: 'newJs',
      type: 'js_error',
      severity: 'P1',
      title: "TypeError: Cannot read properties of undefined (reading 'price')",
      message: "TypeError: Cannot read properties of undefined (reading 'price')\n    at renderTotals (https://shop.lumen.example/assets/cart-4f2a.js:112:19)",
      url: '/cart',
      viewports: ['desktop', 'mobile'],
      flow: 'checkout',
      step: 2,
      intervals: [[L, L]],
      evidence: (vp, latest) => ({
        ...(latest ? { screenshot: shot('newJs', vp) } : {}),
        console: ["Uncaught TypeError: Cannot read properties of undefined (reading 'price')", '    at renderTotals (cart-4f2a.js:112:19)', '    at CartPage (cart-4f2a.js:88:5)'],
        reproSteps: reproFor('checkout', 2),
      }),
    });
    named({
      key: 'newFlow',
      type: 'flow_broken',
      severity: 'P1',
      title: 'Checkout breaks on mobile: the “Pay now” button cannot be found',
      message: "Step 6 (Pay now): no element matched #pay-btn within 5000 ms; fallbacks exhausted.",
      url: '/checkout',
      viewports: ['mobile'],
      flow: 'checkout',
      step: 5,
      intervals: [[L, L]],
      evidence: (vp, latest) => ({ ...(latest ? { screenshot: shot('newFlow', vp) } : {}), reproSteps: reproFor('checkout', 5), console: ["TimeoutError: locator('#pay-btn') not found after 5000ms"] }),
    });
    named({
      key: 'a11y',
      type: 'a11y',
      severity: 'P2',
      title: 'Buttons must have discernible text',
      message: 'Element does not have inner text that is visible to screen readers',
      url: '/products/:id',
      viewports: ['desktop', 'tablet', 'mobile'],
      flow: null,
      step: null,
      intervals: [[L - 20, L]],
      evidence: (vp, latest) => ({
        ...(latest ? { screenshot: shot('a11y', vp) } : {}),
        axe: { ruleId: 'button-name', impact: 'serious', helpUrl: 'https://dequeuniversity.com/rules/axe/4.10/button-name?application=axeAPI', target: ['.product-card > button.icon-only'], html: '<button class="icon-only"><svg aria-hidden="true"></svg></button>' },
      }),
    });
    named({
      key: 'perf',
      type: 'perf_regression',
      severity: 'P2',
      title: '/products loads 1.6 s slower than usual on desktop',
      message: 'load 3.3 s against a baseline of 1.7 s ± 0.1 s (30 samples)',
      url: '/products',
      viewports: ['desktop'],
      flow: null,
      step: null,
      intervals: [[L - 1, L]],
      evidence: () => ({}),
    });
    named({
      key: 'link',
      type: 'broken_link',
      severity: 'P2',
      title: 'Link to /press returns 404',
      message: null,
      url: '/',
      viewports: ['desktop', 'tablet', 'mobile'],
      flow: null,
      step: null,
      intervals: [[L - 30, L]],
      evidence: () => ({ request: { url: 'https://shop.lumen.example/press', method: 'GET', status: 404 } }),
    });
    named({
      key: 'console',
      type: 'console_error',
      severity: 'P3',
      title: 'Console error: favicon-32.png failed to load (404)',
      message: 'Failed to load resource: the server responded with a status of 404 ()',
      url: '/',
      viewports: ['desktop', 'tablet', 'mobile'],
      flow: null,
      step: null,
      intervals: [[L - 35, L]],
      evidence: () => ({ console: ['Failed to load resource: the server responded with a status of 404 () https://shop.lumen.example/favicon-32.png'] }),
    });
    named({
      key: 'fixed',
      type: 'request_failed',
      severity: 'P1',
      title: 'POST /api/cart/items fails with 500',
      message: 'Internal Server Error',
      url: '/products/:id',
      viewports: ['desktop', 'tablet', 'mobile'],
      flow: 'checkout',
      step: 2,
      intervals: [[L - 12, L - 4]],
      evidence: () => ({ request: { url: 'https://shop.lumen.example/api/cart/items', method: 'POST', status: 500 }, reproSteps: reproFor('checkout', 2) }),
    });
    named({
      key: 'regressed',
      type: 'layout_overflow',
      severity: 'P2',
      title: 'Content is wider than the screen on /checkout at 390 px',
      message: 'document scrollWidth 412 > viewport 390; widest element: table.order-summary',
      url: '/checkout',
      viewports: ['mobile'],
      flow: 'checkout',
      step: 3,
      intervals: [
        [L - 25, L - 15],
        [L, L],
      ],
      evidence: (vp, latest) => ({ ...(latest ? { screenshot: shot('regressed', vp) } : {}), reproSteps: reproFor('checkout', 3) }),
    });
    named({
      key: 'snoozed',
      type: 'console_error',
      severity: 'P3',
      title: 'Stripe.js warns: redirectToCheckout is deprecated',
      message: '[Stripe.js] redirectToCheckout is deprecated and will be removed',
      url: '/checkout',
      viewports: ['desktop', 'tablet', 'mobile'],
      flow: 'checkout',
      step: 5,
      intervals: [[L - 18, L]],
      snoozedUntil: new Date(now.getTime() + 14 * DAY).toISOString(),
      evidence: () => ({ console: ['[Stripe.js] redirectToCheckout is deprecated and will be removed'] }),
    });
    named({
      key: 'falsePositive',
      type: 'broken_link',
      severity: 'P3',
      title: 'Link to https://twitter.com/lumensupply answers 999',
      message: null,
      url: '/',
      viewports: ['desktop', 'tablet', 'mobile'],
      flow: null,
      step: null,
      intervals: [[L - 40, L]],
      falsePositive: true,
      evidence: () => ({ request: { url: 'https://twitter.com/lumensupply', method: 'GET', status: 999 } }),
    });
    named({
      key: 'html',
      type: 'js_error',
      severity: 'P2',
      title: HTML_TITLE,
      message: HTML_MESSAGE,
      url: '/account',
      viewports: ['desktop'],
      flow: null,
      step: null,
      intervals: [[L - 3, L]],
      evidence: (vp, latest) => ({ ...(latest ? { screenshot: shot('html', vp) } : {}), console: ['<b>not bold</b> <img src=x onerror=alert(1)>'] }),
    });

    const TYPES: BugType[] = ['console_error', 'js_error', 'a11y', 'broken_link', 'request_failed', 'layout_overflow', 'page_changed', 'perf_regression'];
    const AXE_RULES = ['color-contrast', 'image-alt', 'label', 'link-name', 'heading-order', 'region'];
    for (let k = 0; k < (opts.fillerBugs ?? 0); k++) {
      const type = TYPES[k % TYPES.length]!;
      const r = rand();
      const severity: Severity = r < 0.08 ? 'P1' : r < 0.38 ? 'P2' : 'P3';
      const first = Math.floor(rand() * days);
      const open = rand() < 0.45;
      const last = open ? L : Math.min(L - 1, first + Math.floor(rand() * 10));
      const page = PAGES[k % PAGES.length]!.url;
      const vps = VIEWPORTS.filter(() => rand() < 0.6);
      const title =
        type === 'a11y'
          ? `${AXE_RULES[k % AXE_RULES.length]} on ${page} (#${k})`
          : type === 'broken_link'
            ? `Link to /old/page-${k} returns 404`
            : type === 'request_failed'
              ? `GET /api/items/${k} fails with 502`
              : type === 'js_error'
                ? `ReferenceError: widget${k} is not defined`
                : type === 'perf_regression'
                  ? `${page} LCP is slower than usual (#${k})`
                  : type === 'layout_overflow'
                    ? `Content overflows on ${page} (#${k})`
                    : type === 'page_changed'
                      ? `${page} changed structure (#${k})`
                      : `Console error: deprecated API call #${k}`;
      plans.push({
        key: `filler${k}`,
        id: randomUUID(),
        type,
        severity,
        title,
        message: null,
        url: page,
        viewports: vps.length ? vps : ['desktop'],
        flow: null,
        step: null,
        intervals: [[first, Math.max(first, last)]],
        evidence: () => (type === 'a11y' ? { axe: { ruleId: AXE_RULES[k % AXE_RULES.length]!, impact: 'moderate', helpUrl: `https://dequeuniversity.com/rules/axe/4.10/${AXE_RULES[k % AXE_RULES.length]}`, target: `#el-${k}` } } : {}),
        named: false,
      });
    }

    const seenAt = (p: BugPlan, i: number) => p.intervals.some(([a, b]) => i >= a && i <= b);
    const lastSeen = (p: BugPlan) => p.intervals[p.intervals.length - 1]![1];
    const openAt = (p: BugPlan, i: number) => seenAt(p, i) && !p.falsePositive && !(p.snoozedUntil && i === L);

    // Flow results per run × flow × viewport --------------------------------------------------------------
    const flowResults: Record<string, unknown>[] = [];
    const flowStatus = (key: FlowKey, vp: Viewport, i: number): { status: 'passed' | 'failed' | 'errored'; healed: number[]; failed: number | null } => {
      if (key === 'checkout' && vp === 'mobile' && i === L) return { status: 'failed', healed: [], failed: 5 };
      if (key === 'signup' && vp === 'tablet' && i === L - 20) return { status: 'errored', healed: [], failed: null };
      if (key === 'checkout' && i >= L - 2) return { status: 'passed', healed: [3], failed: null };
      return { status: 'passed', healed: [], failed: null };
    };
    const passedAt: number[] = Array(days).fill(0);
    for (let i = 0; i < days; i++) {
      for (const key of Object.keys(FLOW_DEFS) as FlowKey[]) {
        for (const vp of VIEWPORTS) {
          const s = flowStatus(key, vp, i);
          if (s.status === 'passed') passedAt[i]! += 1;
          flowResults.push({
            site_id: siteId,
            flow_id: flowIds[key],
            flow_version: 3,
            run_id: runs[i]!.id,
            viewport: vp,
            source: 'crawler',
            status: s.status,
            healed_steps: s.healed,
            failed_step: s.failed,
            steps: FLOW_DEFS[key].steps.map((_, index) => ({ index, status: s.failed !== null && index === s.failed ? 'failed' : s.failed !== null && index > s.failed ? 'skipped' : s.healed.includes(index) ? 'healed' : 'passed' })),
            started_at: runs[i]!.started.toISOString(),
            finished_at: runs[i]!.finished.toISOString(),
          });
        }
      }
    }

    // Health scores, from the schema's own formula ------------------------------------------------------
    // In the shape private.finalise_health stores (core's HealthInputs: a renamed part breaks the typecheck).
    const inputs = Array.from({ length: days }, (_, i): HealthInputs => {
      const open = plans.filter((p) => openAt(p, i));
      const sev = (s: Severity, list = open) => list.filter((p) => p.severity === s).length;
      const a11y = open.filter((p) => p.type === 'a11y');
      const regressed = open.filter((p) => p.type === 'perf_regression').length;
      return {
        bugs: { P0: sev('P0'), P1: sev('P1'), P2: sev('P2'), P3: sev('P3') },
        flows: { passed: passedAt[i]!, total: 9 },
        performance: { withinBaseline: Math.max(0, PAGES.length * VIEWPORTS.length - regressed), regressed },
        accessibility: { critical: sev('P0', a11y), serious: sev('P1', a11y), moderate: sev('P2', a11y), minor: sev('P3', a11y) },
      };
    });
    const { rows: healthRows } = await db.query<{ h: { score: number; components: Record<string, number>; formulaVersion: string } }>(
      'select private.health_score(x) as h from jsonb_array_elements($1::jsonb) with ordinality as t(x, n) order by n',
      [JSON.stringify(inputs)],
    );
    const scores = healthRows.map((r) => r.h);

    // Runs with their diff ------------------------------------------------------------------------------
    // Accessibility audits as the crawler makes them (docs/accessibility-audits.md): every page fresh
    // on the first run, after a deploy and at least weekly; otherwise the cart and checkout (whose
    // content changes) fresh and the other pages reusing the last full audit.
    let lastFull = 0;
    const audits = runs.map((r, i) => {
      if (i === 0 || r.trigger === 'deploy' || r.created.getTime() - runs[lastFull]!.finished.getTime() >= 6 * 86_400_000) {
        lastFull = i;
        return { fresh: PAGES.length * VIEWPORTS.length, reused: 0, reusedSince: null };
      }
      return { fresh: 2 * VIEWPORTS.length, reused: (PAGES.length - 2) * VIEWPORTS.length, reusedSince: runs[lastFull]!.finished.toISOString() };
    });
    const runRows = runs.map((r, i) => {
      const isNew = (p: BugPlan) => p.intervals[0]![0] === i;
      const isRegressed = (p: BugPlan) => p.intervals.slice(1).some(([a]) => a === i);
      const isFixed = (p: BugPlan) => !seenAt(p, i) && p.intervals.some(([, b]) => b === i - 1);
      const seen = plans.filter((p) => seenAt(p, i));
      return {
        id: r.id,
        site_id: siteId,
        trigger: r.trigger,
        status: 'completed',
        slot: r.trigger === 'schedule' ? r.created.toISOString() : null,
        deploy_event_id: r.deploy,
        requested_by: r.trigger === 'manual' ? opts.ownerId : null,
        viewports: [...VIEWPORTS],
        created_at: r.created.toISOString(),
        started_at: r.started.toISOString(),
        finished_at: r.finished.toISOString(),
        health_score: scores[i]!.score,
        summary: {
          new: seen.filter(isNew).map((p) => p.id),
          regressed: seen.filter(isRegressed).map((p) => p.id),
          persistent: seen.filter((p) => !isNew(p) && !isRegressed(p)).map((p) => p.id),
          fixed: plans.filter(isFixed).map((p) => p.id),
          pagesAdded: i === 0 ? PAGES.map((p) => p.url).sort() : [],
          pagesRemoved: [],
          healthScore: scores[i]!.score,
          previousHealthScore: i > 0 ? scores[i - 1]!.score : null,
          jobs: { done: 12, total: 12 },
          deployEventId: correlated(i),
          a11yAudits: audits[i],
        },
      };
    });

    await bulk(
      db,
      'deploy_events',
      deploys.map((d) => ({ id: d.id, site_id: siteId, commit_sha: d.sha, branch: 'main', environment: 'production', delivery_id: randomUUID(), sent_at: d.receivedAt, received_at: d.receivedAt, payload: { commit_sha: d.sha } })),
    );
    await bulk(db, 'crawl_runs', runRows);

    const jobs: Record<string, unknown>[] = [];
    for (const r of runs) {
      for (const vp of VIEWPORTS) {
        for (const flow of [null, ...Object.values(flowIds)]) {
          jobs.push({ run_id: r.id, site_id: siteId, flow_id: flow, flow_version: flow ? 3 : null, viewport: vp, status: 'done', attempts: 1, started_at: r.started.toISOString(), finished_at: r.finished.toISOString() });
        }
      }
    }
    await bulk(db, 'crawl_jobs', jobs);
    await bulk(db, 'flow_results', flowResults);

    // Pages, metrics, baselines ---------------------------------------------------------------------------
    const pageIds: string[] = [];
    for (const p of PAGES) {
      const row = await insertOne(db, 'pages', {
        site_id: siteId,
        url_template: p.url,
        sample_url: `https://shop.lumen.example${p.url.replace(':id', '42').replace(':slug', 'autumn-light')}`,
        title: p.title,
        page_type: p.url === '/' ? 'home' : p.url.startsWith('/products') ? 'product' : 'content',
        fingerprint: { elements: 120 + p.url.length * 7, forms: p.url === '/checkout' ? 2 : 0, ctas: 4, images: 12, structureHash: 'h' + p.url.length },
        first_seen_at: runs[0]!.finished.toISOString(),
        last_seen_at: runs[L]!.finished.toISOString(),
        last_run_id: runs[L]!.id,
      });
      pageIds.push(row.id as string);
    }
    const metrics: Record<string, unknown>[] = [];
    const factor = { desktop: 1, tablet: 1.3, mobile: 1.7 };
    for (let i = 0; i < days; i++) {
      PAGES.forEach((p, pi) => {
        for (const vp of VIEWPORTS) {
          const slow = p.url === '/products' && vp === 'desktop' && i >= L - 1 ? 1.95 : 1;
          const load = Math.round(p.load * factor[vp] * (0.93 + rand() * 0.14) * slow);
          metrics.push({
            site_id: siteId,
            page_id: pageIds[pi],
            run_id: runs[i]!.id,
            viewport: vp,
            measured_at: runs[i]!.finished.toISOString(),
            ttfb_ms: Math.round(120 + rand() * 180),
            fcp_ms: Math.round(load * 0.42),
            lcp_ms: Math.round(load * 0.72),
            cls: Math.round(rand() * 80) / 1000,
            load_ms: load,
          });
        }
      });
    }
    await bulk(db, 'page_metrics', metrics);
    // Rolling baselines over the last 30 samples, exactly as finalisation computes them.
    await db.query(
      `insert into public.page_baselines (page_id, viewport, metric, site_id, samples, mean, stddev, updated_at)
       select s.page_id, s.viewport, s.metric, $1, count(*), avg(s.value), coalesce(stddev_samp(s.value), 0), now()
         from (select m.page_id, m.viewport, u.metric, u.value,
                      row_number() over (partition by m.page_id, m.viewport, u.metric order by m.measured_at desc, m.id desc) as n
                 from public.page_metrics m
                 cross join lateral (values ('ttfb_ms', m.ttfb_ms), ('fcp_ms', m.fcp_ms), ('lcp_ms', m.lcp_ms), ('cls', m.cls), ('load_ms', m.load_ms)) u(metric, value)
                where m.site_id = $1 and u.value is not null) s
        where s.n <= 30
        group by s.page_id, s.viewport, s.metric`,
      [siteId],
    );

    // Bugs and occurrences -----------------------------------------------------------------------------
    const bugRows = plans.map((p) => {
      const first = p.intervals[0]![0];
      const last = lastSeen(p);
      const fixed = last < L;
      const status = fixed ? 'fixed' : p.intervals.length > 1 ? 'regressed' : first === L ? 'new' : 'active';
      const regressedAt = p.intervals.length > 1 ? p.intervals[p.intervals.length - 1]![0] : null;
      return {
        id: p.id,
        site_id: siteId,
        fingerprint: `v1:${p.type}:${p.key}:${p.id.slice(0, 8)}`,
        fingerprint_version: '1',
        type: p.type,
        severity: p.severity,
        title: p.title,
        message: p.message,
        url_template: p.url,
        page_url: `https://shop.lumen.example${p.url.replace(':id', '42').replace(':slug', 'autumn-light')}`,
        selector: p.type === 'flow_broken' ? '#pay-btn' : p.type === 'a11y' && p.named ? '.product-card > button.icon-only' : null,
        flow_id: p.flow ? flowIds[p.flow] : null,
        step_index: p.step,
        status,
        first_seen_at: runs[first]!.finished.toISOString(),
        last_seen_at: runs[last]!.finished.toISOString(),
        fixed_at: fixed ? runs[last + 1]!.finished.toISOString() : null,
        times_regressed: p.intervals.length - 1,
        first_run_id: runs[first]!.id,
        last_run_id: runs[last]!.id,
        viewports: p.viewports,
        snoozed_until: p.snoozedUntil ?? null,
        false_positive: p.falsePositive ?? false,
        false_positive_at: p.falsePositive ? runs[L - 2]!.finished.toISOString() : null,
        false_positive_by: p.falsePositive ? opts.ownerId : null,
        deploy_event_id: correlated(regressedAt ?? first),
      };
    });
    await bulk(db, 'bugs', bugRows, 1000);

    const occurrences: Record<string, unknown>[] = [];
    for (const p of plans) {
      const last = lastSeen(p);
      const seenRuns = p.named ? Array.from({ length: days }, (_, i) => i).filter((i) => seenAt(p, i)) : [last];
      for (const i of seenRuns) {
        for (const vp of p.named ? p.viewports : p.viewports.slice(0, 1)) {
          occurrences.push({ bug_id: p.id, site_id: siteId, run_id: runs[i]!.id, viewport: vp, page_url: `https://shop.lumen.example${p.url.replace(':id', '42')}`, seen_at: runs[i]!.finished.toISOString(), evidence: p.evidence(vp, i === last) });
        }
      }
    }
    await bulk(db, 'bug_occurrences', occurrences, 1000);

    await bulk(
      db,
      'health_scores',
      runs.map((r, i) => ({ site_id: siteId, run_id: r.id, score: scores[i]!.score, components: scores[i]!.components, inputs: inputs[i], formula_version: scores[i]!.formulaVersion, computed_at: r.finished.toISOString() })),
    );

    const proposal = await insertOne(db, 'selector_proposals', {
      site_id: siteId,
      flow_id: flowIds.checkout,
      step_id: stepIds.checkout[3],
      flow_version: 3,
      from_selector: { kind: 'css', value: '#checkout-btn' },
      to_selector: { kind: 'role', value: 'button', name: 'Go to checkout' },
      confidence: 0.86,
      run_id: runs[L]!.id,
    });
    await db.query('commit');

    // Screenshots, as the crawler and extension upload them (outside the transaction: Storage has its own).
    if (opts.storage) {
      const storage = createClient(opts.storage.apiUrl, opts.storage.serviceRoleKey, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: ws as never } }).storage.from('screenshots');
      const uploads: Array<[string, Buffer]> = [];
      FLOW_DEFS.checkout.steps.forEach((_, i) => uploads.push([`${siteId}/steps/${flowIds.checkout}/${i}.png`, pageSketch('desktop', i)]));
      for (const p of plans.filter((x) => x.named)) {
        for (const vp of p.viewports) {
          const path = p.evidence(vp, true).screenshot;
          if (typeof path === 'string') uploads.push([path, pageSketch(vp, p.key.length)]);
        }
      }
      for (const [path, bytes] of uploads) {
        const { error } = await storage.upload(path, bytes, { contentType: 'image/png', upsert: true });
        if (error) throw new Error(`Could not upload the seeded screenshot ${path}: ${error.message}`);
      }
    }

    const bugs = {} as Record<NamedBug, string>;
    const titles = {} as Record<NamedBug, string>;
    for (const k of NAMED_BUGS) {
      const p = plans.find((x) => x.key === k)!;
      bugs[k] = p.id;
      titles[k] = p.title;
    }
    return {
      orgId,
      siteId,
      siteName,
      orgName,
      runIds: runs.map((r) => r.id),
      latestRunId: runs[L]!.id,
      latestScore: scores[L]!.score,
      latestInputs: inputs[L]!,
      previousScore: scores[L - 1]!.score,
      deploys,
      lastDeployId: lastDeploy.id,
      flows: flowIds,
      proposalId: proposal.id as string,
      bugs,
      titles,
      totalBugs: plans.length,
    };
  } catch (err) {
    await db.query('rollback');
    throw err;
  }
}

/** A second organisation with a small site, for the "another organisation sees none of it" checks. */
export async function seedStrangerSite(db: pg.Client, ownerId: string): Promise<{ orgId: string; siteId: string; siteName: string }> {
  const org = await insertOne(db, 'organizations', { name: `Other Co ${randomUUID().slice(0, 6)}`, created_by: ownerId });
  await insertOne(db, 'organization_members', { organization_id: org.id, user_id: ownerId, role: 'owner' });
  const site = await insertOne(db, 'sites', { organization_id: org.id, name: 'Other Co website', base_url: 'https://other.example.com' });
  return { orgId: org.id as string, siteId: site.id as string, siteName: 'Other Co website' };
}

/** A real Auth user (sign-up through the Auth API, as the dashboard does), with a display name. */
export async function createNamedUser(api: { apiUrl: string; anonKey: string }, label: string, fullName: string): Promise<{ id: string; email: string; password: string }> {
  const email = `${label}-${randomUUID().slice(0, 8)}@flowlens.test`;
  const password = `pw-${randomUUID()}`;
  const client = createClient(api.apiUrl, api.anonKey, { auth: { persistSession: false, autoRefreshToken: false }, realtime: { transport: ws as never } });
  const { data, error } = await client.auth.signUp({ email, password, options: { data: { full_name: fullName } } });
  if (error || !data.user) throw new Error(`Could not create the user ${email}: ${error?.message ?? 'no user returned'}`);
  return { id: data.user.id, email, password };
}
