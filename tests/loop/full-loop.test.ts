/**
 * The whole loop, as a site owner lives it (issue 8), on the test stack with real parts only:
 *
 *   record a checkout with the built extension in Chromium → the `schedule` edge function queues
 *   the nightly crawl → a real worker process replays it on the fixture shop with a defect on →
 *   bugs in Postgres with the right lifecycle → `notify` sends the instant alert to the SMTP sink →
 *   the dashboard shows the score drop and the bug → the overlay pins it on the shop page →
 *   the defect is fixed, the next nightly crawl marks the bug fixed, the score recovers, and the
 *   daily briefing says so.
 *
 * Time is injected where the product waits for a clock (the nightly slot, the 09:00 briefing);
 * everything else runs as in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, stackInfo, withDb, type TestUser } from '@flowlens/stack/testing';
import { buildDashboard, launchChromium, serveStatic, settled, signIn, type StaticServer } from '../dashboard/harness.ts';
import { buildExtension, REPO_ROOT } from '../extension/overlay-build.ts';
import { launchWithExtension, overlaySnapshot, recorderState, tabIdFor, waitFor, type ExtensionBrowser, type OverlaySnapshot } from '../extension/overlay-harness.ts';
import { startShop, type Shop } from '../fixtures/index.ts';
import { keepWorkerLog } from '../crawler/log-file.ts';

const FLOW_NAME = 'Checkout (recorded in the loop)';
/** The site's nightly slot: 04:10 in Kathmandu (UTC+5:45), a time no other test's site shares. */
const TIMEZONE = 'Asia/Kathmandu';
const CRAWL_TIME = '04:10';

let shop: Shop;
let owner: TestUser;
let stranger: TestUser;
let ext: ExtensionBrowser;
let extOut: string;
let dashboardDir: string;
let dashboard: StaticServer;
let chromium: Browser;
let worker: ChildProcess | null = null;
let workerOutput = '';
let siteId = '';
let brokenRun = '';
let brokenScore = 0;

/** The local date in the site's timezone `days` from today, as yyyy-mm-dd. */
function localDate(days: number): string {
  const d = new Date(Date.now() + days * 86_400_000);
  return new Intl.DateTimeFormat('en-CA', { timeZone: TIMEZONE, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
}

/** An instant in the site's timezone (Kathmandu has no DST: always +05:45). */
function kathmandu(date: string, time: string): string {
  return new Date(`${date}T${time}:00+05:45`).toISOString();
}

async function callFunction(name: string, body: unknown): Promise<Record<string, unknown>> {
  const info = stackInfo();
  const res = await fetch(`${info.apiUrl}/functions/v1/${name}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${info.serviceRoleKey}`, apikey: info.serviceRoleKey, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json()) as Record<string, unknown>;
  if (!res.ok) throw new Error(`${name} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

async function mailFor(email: string): Promise<Mail[]> {
  const all = (await (await fetch(`${stackInfo().mailboxUrl}/api/messages`)).json()) as Mail[];
  return all.filter((m) => m.to.includes(email));
}

async function runRow(runId: string) {
  return withDb(async (db) => (await db.query<{ status: string; finished_at: Date | null; health_score: number | null; trigger: string }>('select status, finished_at, health_score, trigger from public.crawl_runs where id = $1', [runId])).rows[0]);
}

async function waitForRun(runId: string) {
  return waitFor(`run ${runId} to finish`, async () => ((await runRow(runId))?.finished_at ? runRow(runId) : null), 240_000).catch((e: Error) => {
    throw new Error(`${e.message}\nWorker output:\n${workerOutput.slice(-4000)}`);
  });
}

async function scheduledRun(nowIso: string): Promise<string> {
  const answer = (await callFunction('schedule', { now: nowIso })) as { runs: { siteId: string; runId: string }[] };
  const mine = answer.runs.find((r) => r.siteId === siteId);
  if (!mine) throw new Error(`schedule did not queue the site at ${nowIso}: ${JSON.stringify(answer)}`);
  return mine.runId;
}

beforeAll(async () => {
  const info = stackInfo();
  shop = await startShop({});
  [owner, stranger] = await Promise.all([createTestUser('loop-owner'), createTestUser('loop-stranger')]);
  for (const [user, name] of [[owner, 'Lumen loop team'], [stranger, 'Another company']] as const) {
    const { error } = await user.client.rpc('create_organization', { org_name: name });
    if (error) throw new Error(error.message);
  }
  dashboardDir = await buildDashboard({ apiUrl: info.apiUrl, anonKey: info.anonKey });
  dashboard = await serveStatic(dashboardDir);
  extOut = mkdtempSync(join(tmpdir(), 'flowlens-loop-ext-'));
  const extDir = await buildExtension({ outDir: extOut, supabaseUrl: info.apiUrl, anonKey: info.anonKey, dashboardUrl: dashboard.url, grantOrigins: ['http://127.0.0.1'] });
  // The test's copy of the manifest stands in for the toolbar click that grants activeTab
  // (screenshots); the shipped manifest never has <all_urls>.
  const manifestPath = join(extDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { host_permissions?: string[] };
  manifest.host_permissions = [...(manifest.host_permissions ?? []), '<all_urls>'];
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
  ext = await launchWithExtension(extDir);
  chromium = await launchChromium();
}, 300_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) {
    worker.kill('SIGTERM');
    await Promise.race([new Promise((r) => worker!.once('exit', r)), new Promise((r) => setTimeout(r, 20_000))]);
  }
  await ext?.close();
  await chromium?.close();
  await dashboard?.close();
  await shop?.close();
  if (extOut) rmSync(extOut, { recursive: true, force: true });
  if (dashboardDir) rmSync(dashboardDir, { recursive: true, force: true });
});

describe('the full loop', () => {
  it('1. the owner records a critical checkout with the extension', async () => {
    const site = await ext.context.newPage();
    await site.goto(`${shop.url}/`);
    const tabId = await tabIdFor(ext.sw, shop.url);
    const extensionId = new URL(ext.sw.url()).host;
    const panel = await ext.context.newPage();
    await panel.goto(`chrome-extension://${extensionId}/sidepanel.html?tabId=${tabId}`);
    await panel.getByTestId('signin-email').fill(owner.email);
    await panel.getByTestId('signin-password').fill(owner.password);
    await panel.getByTestId('signin-submit').click();
    await panel.getByTestId('signed-in-as').waitFor();
    await panel.getByTestId('add-site').click();
    await panel.getByTestId('site-select').waitFor();

    const untilSteps = (n: number) => waitFor(`${n} recorded steps`, async () => ((await recorderState(ext.sw)).draft?.steps.length ?? 0) >= n, 15_000);

    await panel.getByTestId('record').click();
    await panel.getByTestId('stop').waitFor();
    await site.bringToFront();
    await waitFor('the recorder in the page', async () => (await recorderState(ext.sw)).recording);
    await site.waitForTimeout(500);

    await site.getByTestId('nav-products').click();
    await site.waitForURL('**/products');
    await site.locator('[data-testid=product-card-brass-desk-lamp] a').first().click();
    await site.waitForURL('**/products/brass-desk-lamp');
    await untilSteps(2);
    await site.getByTestId('add-to-cart').click();
    await site.getByText('Added', { exact: false }).first().waitFor();
    await site.getByTestId('nav-cart').click();
    await site.waitForURL('**/cart');
    await site.getByTestId('checkout-link').click();
    await site.waitForURL('**/checkout');
    await untilSteps(5);
    for (const [testId, value] of [
      ['checkout-email', 'ada@lumen.test'],
      ['checkout-name', 'Ada Lovelace'],
      ['checkout-address', '1 Analytical St'],
      ['checkout-city', 'London'],
      ['checkout-postal', 'N1 9GU'],
      ['checkout-card', '4242 4242 4242 4242'],
      ['checkout-expiry', '12/30'],
      ['checkout-cvc', '123'],
    ] as const) {
      await site.getByTestId(testId).fill(value);
    }
    const place = site.getByRole('button', { name: /Place order/ });
    await expect.poll(() => place.isEnabled()).toBe(true);
    await place.click();
    await site.waitForURL('**/thanks**');
    await site.getByText('Thank you for your order').waitFor();
    await site.waitForTimeout(800);

    await panel.bringToFront();
    await panel.getByTestId('stop').click();
    await panel.getByTestId('record').waitFor();
    await panel.getByTestId('assert-kind').selectOption('textVisible');
    await panel.getByTestId('assert-text').fill('Thank you for your order');
    await panel.getByTestId('assert-add').click();
    await panel.getByTestId('flow-name').fill(FLOW_NAME);
    await panel.getByTestId('flow-name').press('Enter');
    await panel.getByTestId('flow-critical').click();
    await panel.getByTestId('save').click();
    await expect.poll(() => panel.getByTestId('panel-notice').textContent(), { timeout: 30_000 }).toContain(`Saved "${FLOW_NAME}"`);
    await site.close();
    await panel.close();

    const saved = await withDb(async (db) => (await db.query<{ site_id: string; critical: boolean }>('select site_id, critical from public.flows where name = $1 and created_by = $2', [FLOW_NAME, owner.id])).rows);
    expect(saved).toHaveLength(1);
    expect(saved[0]!.critical).toBe(true);
    siteId = saved[0]!.site_id;
    // The owner sets the nightly schedule; the site runs on this machine, so an administrator marks
    // it local (the crawler refuses loopback addresses otherwise).
    const { error } = await owner.client.from('sites').update({ timezone: TIMEZONE, crawl_time: CRAWL_TIME, viewports: ['desktop'], discover_pages: 2 }).eq('id', siteId);
    expect(error).toBeNull();
    await withDb((db) => db.query('update public.sites set is_local = true where id = $1', [siteId]));
  }, 300_000);

  it('2. the nightly slot passes: schedule queues the crawl, the worker finds the broken checkout', async () => {
    await shop.setDefects(['checkout-button-broken']);
    const info = stackInfo();
    worker = spawn(process.execPath, [join(REPO_ROOT, 'crawler', 'bin', 'flowlens.mjs'), 'worker'], {
      cwd: REPO_ROOT,
      env: {
        ...process.env,
        SUPABASE_URL: info.apiUrl,
        SUPABASE_SERVICE_ROLE_KEY: info.serviceRoleKey,
        FLOWLENS_WORKER_ID: 'loop-worker',
        FLOWLENS_ONLY_SITES: siteId,
        FLOWLENS_POLL_INTERVAL_MS: '300',
        FLOWLENS_HEALTH_PORT: '0',
      },
    });
    // Also in the test stack's logs/: the suite's final secret scan reads it (issue 15).
    keepWorkerLog(worker, 'loop');
    worker.stdout!.on('data', (d: Buffer) => (workerOutput += d));
    worker.stderr!.on('data', (d: Buffer) => (workerOutput += d));

    brokenRun = await scheduledRun(kathmandu(localDate(-2), '04:11'));
    // Invoking it again for the same slot queues nothing more.
    const again = (await callFunction('schedule', { now: kathmandu(localDate(-2), '04:12') })) as { runs: { siteId: string }[] };
    expect(again.runs.filter((r) => r.siteId === siteId)).toEqual([]);

    const run = await waitForRun(brokenRun);
    expect(run).toMatchObject({ status: 'completed', trigger: 'schedule' });
    brokenScore = run!.health_score!;
    expect(brokenScore).toBeLessThan(100);
    const bugs = await withDb(async (db) => (await db.query<{ type: string; severity: string; status: string; title: string }>('select type, severity, status, title from public.bugs where site_id = $1', [siteId])).rows);
    expect(bugs.find((b) => b.type === 'flow_broken')).toMatchObject({ severity: 'P0', status: 'new' });
  }, 300_000);

  it('3. the instant alert reaches the owner by email', async () => {
    await callFunction('notify', { sites: [siteId] });
    const mails = await waitFor('the instant alert', async () => {
      const m = await mailFor(owner.email);
      return m.length > 0 ? m : null;
    }, 30_000);
    expect(mails).toHaveLength(1);
    const bug = await withDb(async (db) => (await db.query<{ id: string; title: string }>(`select id, title from public.bugs where site_id = $1 and type = 'flow_broken'`, [siteId])).rows[0]!);
    expect(mails[0]!.subject).toMatch(/critical|serious/i);
    expect(mails[0]!.text).toContain(bug.title);
    expect(mails[0]!.text).toContain(`/sites/${siteId}/bugs/${bug.id}`);
    // Notify again: nothing is sent twice.
    await callFunction('notify', { sites: [siteId] });
    expect(await mailFor(owner.email)).toHaveLength(1);
    expect(await mailFor(stranger.email)).toHaveLength(0);
  }, 60_000);

  it('4. the dashboard shows the score drop and the bug; another organisation sees none of it', async () => {
    const page: Page = await chromium.newPage({ viewport: { width: 1280, height: 900 } });
    await signIn(page, dashboard.url, owner.email, owner.password, `/sites/${siteId}`);
    await page.getByTestId('health-score').waitFor();
    await settled(page);
    expect(await page.getByTestId('health-score').getAttribute('aria-label')).toContain(`Health score ${brokenScore} out of 100`);
    const bug = await withDb(async (db) => (await db.query<{ id: string; title: string }>(`select id, title from public.bugs where site_id = $1 and type = 'flow_broken'`, [siteId])).rows[0]!);
    await page.goto(`${dashboard.url}/sites/${siteId}/bugs`);
    await page.getByText(bug.title).first().waitFor();
    await page.close();

    const other: Page = await chromium.newPage();
    await signIn(other, dashboard.url, stranger.email, stranger.password, `/sites/${siteId}`);
    await settled(other);
    expect(await other.getByText(bug.title).count()).toBe(0);
    expect(await other.getByTestId('health-score').count()).toBe(0);
    await other.close();
  }, 120_000);

  it('5. the overlay pins the bug on the shop page', async () => {
    // The extension is still signed in from the recording; the monitored site's origin is granted.
    const page = await ext.context.newPage();
    // The checkout form (and its Place order button) only shows with something in the cart.
    await page.goto(`${shop.url}/products/brass-desk-lamp`);
    await page.getByTestId('add-to-cart').click();
    await page.getByText('Added', { exact: false }).first().waitFor();
    await page.goto(`${shop.url}/checkout`);
    let last: OverlaySnapshot | null = null;
    const snap = await waitFor('the overlay badge', async () => {
      last = await overlaySnapshot(page);
      return last?.badge ? last : null;
    }, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}; last snapshot ${JSON.stringify(last)}`);
    });
    expect(snap.badge!.worst).toBe('P0');
    await page.mouse.click(snap.badge!.x, snap.badge!.y);
    const open = await waitFor('the overlay panel', async () => {
      const s = await overlaySnapshot(page);
      return s?.open && s.items.length > 0 ? s : null;
    }, 15_000);
    const bugId = await withDb(async (db) => (await db.query<{ id: string }>(`select id from public.bugs where site_id = $1 and type = 'flow_broken'`, [siteId])).rows[0]!.id);
    expect(open.items.find((i) => i.id === bugId), JSON.stringify(open.items.map((i) => [i.title, i.pinned]))).toMatchObject({ pinned: true });
    expect(open.pins.some((p) => p.id === bugId && !p.hidden)).toBe(true);
    await page.close();
  }, 90_000);

  it('6. the defect is fixed: the next nightly crawl marks the bug fixed, the score recovers, the briefing says so', async () => {
    await shop.setDefects([]);
    const fixedRun = await scheduledRun(kathmandu(localDate(-1), '04:11'));
    const run = await waitForRun(fixedRun);
    expect(run!.health_score).toBe(100);
    expect(run!.health_score!).toBeGreaterThan(brokenScore);
    const bug = await withDb(async (db) => (await db.query<{ status: string; title: string }>(`select status, title from public.bugs where site_id = $1 and type = 'flow_broken'`, [siteId])).rows[0]!);
    expect(bug.status).toBe('fixed');

    // The next 09:00 in the site's timezone after the crawl: the daily briefing.
    const nineToday = kathmandu(localDate(0), '09:00');
    const briefingAt = new Date(nineToday) > new Date() ? nineToday : kathmandu(localDate(1), '09:00');
    await callFunction('notify', { sites: [siteId], now: briefingAt });
    const briefing = await waitFor('the daily briefing', async () => (await mailFor(owner.email)).find((m) => /Daily briefing/.test(m.subject)) ?? null, 30_000);
    expect(briefing.text).toContain('100');
    expect(briefing.text).toMatch(/fixed/i);
    expect(briefing.text).toContain(bug.title);
    expect(briefing.html).toMatch(/fixed/i);
  }, 300_000);
});
