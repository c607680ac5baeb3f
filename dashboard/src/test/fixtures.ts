/** Row builders for component and store tests. */
import type { BugDetail, HomeData, SiteWithRole } from '../data/queries.ts';
import type { Bug, BugListRow, Occurrence } from '../data/types.ts';

export const SITE_ID = '11111111-1111-4111-8111-111111111111';
export const ORG_ID = '22222222-2222-4222-8222-222222222222';
export const RUN_ID = '33333333-3333-4333-8333-333333333333';
export const PREV_RUN_ID = '33333333-3333-4333-8333-333333333332';
export const BUG_ID = '44444444-4444-4444-8444-444444444444';
export const FLOW_ID = '55555555-5555-4555-8555-555555555555';

export function siteWithRole(role: SiteWithRole['role'] = 'owner'): SiteWithRole {
  return {
    site: {
      id: SITE_ID,
      organization_id: ORG_ID,
      name: 'Lumen shop',
      base_url: 'https://shop.lumen.example',
      allowed_origins: ['https://shop.lumen.example'],
      timezone: 'Europe/Amsterdam',
      crawl_enabled: true,
      crawl_time: '02:00:00',
      crawl_days: [1, 2, 3, 4, 5, 6, 7],
      viewports: ['desktop', 'tablet', 'mobile'],
      discover_pages: 20,
      created_at: '2026-09-01T00:00:00Z',
    },
    organizationName: 'Lumen Supply',
    role,
  };
}

export function listBug(over: Partial<BugListRow> = {}): BugListRow {
  return {
    id: BUG_ID,
    site_id: SITE_ID,
    type: 'js_error',
    severity: 'P1',
    title: "TypeError: Cannot read properties of undefined (reading 'price')",
    url_template: '/cart',
    status: 'active',
    viewports: ['desktop', 'mobile'],
    first_seen_at: '2026-11-10T02:04:00Z',
    last_seen_at: '2026-11-22T02:04:00Z',
    last_run_id: RUN_ID,
    snoozed_until: null,
    false_positive: false,
    flow_id: FLOW_ID,
    ...over,
  };
}

export function fullBug(over: Partial<Bug> = {}): Bug {
  return {
    ...listBug(),
    fingerprint: 'v1:abc',
    fingerprint_parts: [
      { name: 'urlTemplate', value: '/cart', contributes: true, reason: 'the page it happens on' },
      { name: 'location', value: '<b>typeerror</b> at cart.js', contributes: true, reason: 'normalised message' },
    ],
    message: 'Uncaught TypeError at cart.js:12',
    page_url: 'https://shop.lumen.example/cart',
    selector: '#checkout',
    step_index: 2,
    fixed_at: null,
    times_regressed: 0,
    first_run_id: PREV_RUN_ID,
    false_positive_at: null,
    deploy_event_id: null,
    ...over,
  };
}

export function bugDetail(over: Partial<Bug> = {}): BugDetail {
  return {
    bug: fullBug(over),
    flow: { id: FLOW_ID, name: 'Checkout', critical: true },
    flowSteps: [
      { position: 0, action: 'navigate', label: 'Open the shop' },
      { position: 1, action: 'click', label: 'Add the lamp to the cart' },
      { position: 2, action: 'click', label: 'Open the cart' },
      { position: 3, action: 'click', label: 'Pay' },
    ],
    deploy: null,
  };
}

export function occurrence(over: Partial<Occurrence> = {}): Occurrence {
  return {
    id: '66666666-6666-4666-8666-666666666666',
    bug_id: BUG_ID,
    run_id: RUN_ID,
    viewport: 'mobile',
    page_url: 'https://shop.lumen.example/cart',
    seen_at: '2026-11-22T02:04:00Z',
    evidence: {
      screenshot: `${SITE_ID}/runs/${RUN_ID}/mobile/cart.png`,
      console: ["TypeError: Cannot read properties of undefined (reading 'price')", '    at cart.js:12:7'],
      request: { url: 'https://shop.lumen.example/api/cart', method: 'POST', status: 500 },
      axe: { ruleId: 'button-name', impact: 'serious', helpUrl: 'https://dequeuniversity.com/rules/axe/4.10/button-name', target: '#pay', html: '<button id="pay"></button>' },
    },
    ...over,
  };
}

export function homeData(over: Partial<HomeData> = {}): HomeData {
  return {
    latest: {
      id: 'h1',
      run_id: RUN_ID,
      score: 78,
      computed_at: '2026-11-22T02:10:00Z',
      components: { bugs: 55, flows: 89, performance: 100, accessibility: 94 },
      inputs: { bugs: { P0: 0, P1: 2, P2: 3, P3: 4 }, flows: { passed: 8, total: 9 }, performance: { withinBaseline: 24, regressed: 0 }, accessibility: { critical: 0, serious: 2, moderate: 0, minor: 0 } },
      formula_version: '2026-11-22',
    },
    previous: { id: 'h0', run_id: PREV_RUN_ID, score: 84, computed_at: '2026-11-21T02:10:00Z' },
    sparkline: [
      { id: 'h0', run_id: PREV_RUN_ID, score: 84, computed_at: '2026-11-21T02:10:00Z' },
      { id: 'h1', run_id: RUN_ID, score: 78, computed_at: '2026-11-22T02:10:00Z' },
    ],
    scoreRun: {
      id: RUN_ID,
      site_id: SITE_ID,
      trigger: 'schedule',
      status: 'completed',
      created_at: '2026-11-22T02:00:00Z',
      started_at: '2026-11-22T02:00:05Z',
      finished_at: '2026-11-22T02:10:00Z',
      health_score: 78,
      error: null,
      deploy_event_id: null,
      viewports: ['desktop', 'tablet', 'mobile'],
      new_ids: [BUG_ID],
      fixed_ids: [],
      regressed_ids: [],
      previous_score: 84,
    },
    currentRun: { id: RUN_ID, status: 'completed', trigger: 'schedule', created_at: '2026-11-22T02:00:00Z' },
    changes: { fresh: [listBug({ status: 'new' })], regressed: [], fixed: [], perfAlerts: [] },
    active: { rows: [listBug()], total: 9, page: 1, pageSize: 8 },
    perf: [
      {
        pageId: 'p1',
        urlTemplate: '/products',
        viewport: 'desktop',
        runId: RUN_ID,
        loadMs: 3400,
        lcpMs: 2100,
        baselineLoad: { page_id: 'p1', viewport: 'desktop', metric: 'load_ms', samples: 30, mean: 1800, stddev: 150 },
        baselineLcp: null,
      },
      {
        pageId: 'p2',
        urlTemplate: '/',
        viewport: 'desktop',
        runId: RUN_ID,
        loadMs: 1210,
        lcpMs: 900,
        baselineLoad: { page_id: 'p2', viewport: 'desktop', metric: 'load_ms', samples: 30, mean: 1200, stddev: 80 },
        baselineLcp: null,
      },
    ],
    ...over,
  };
}
