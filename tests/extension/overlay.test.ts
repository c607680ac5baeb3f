/**
 * The in-page bug overlay (issue 7) in real Chromium with the built extension, against the test
 * stack and the fixture shop: pins on the right elements, following DOM changes, page-level
 * fallback, snooze / false positive reaching Postgres, another organisation seeing nothing, and a
 * hostile page that can neither break nor inject into the overlay.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, stackInfo, withDb, type TestUser } from '@flowlens/stack/testing';
import { HOSTILE_MESSAGE, startExternalSite, startShop, type ExternalSite, type Shop } from '../fixtures/index.ts';
import { insertRow } from '../database/world.ts';
import { buildExtension } from './overlay-build.ts';
import { inIsolatedWorld, launchWithExtension, overlaySnapshot, registeredMatches, signInBackground, waitFor, type ExtensionBrowser, type OverlaySnapshot } from './overlay-harness.ts';

let shop: Shop;
let external: ExternalSite;
let outDir: string;
let extDir: string;
let owner: TestUser;
let other: TestUser;
let siteId: string;
const bug: Record<string, string> = {};
const browsers: ExtensionBrowser[] = [];

async function seedBug(db: Parameters<Parameters<typeof withDb>[0]>[0], row: Record<string, unknown>): Promise<string> {
  const b = await insertRow(db, 'bugs', {
    site_id: siteId,
    fingerprint: `v1:overlay-${Math.random().toString(36).slice(2)}`,
    fingerprint_version: '1',
    status: 'active',
    viewports: ['desktop', 'mobile'],
    first_seen_at: new Date(Date.now() - 3 * 86_400_000).toISOString(),
    ...row,
  });
  return b.id as string;
}

beforeAll(async () => {
  const info = stackInfo();
  [shop, external] = await Promise.all([startShop({}), startExternalSite()]);
  outDir = mkdtempSync(join(tmpdir(), 'flowlens-overlay-ext-'));
  extDir = await buildExtension({ outDir, supabaseUrl: info.apiUrl, anonKey: info.anonKey, dashboardUrl: 'http://127.0.0.1:5173', grantOrigins: ['http://127.0.0.1'] });
  [owner, other] = await Promise.all([createTestUser('overlay-owner'), createTestUser('overlay-other')]);
  await withDb(async (db) => {
    const org = (await insertRow(db, 'organizations', { name: 'Overlay org', created_by: owner.id })).id as string;
    await insertRow(db, 'organization_members', { organization_id: org, user_id: owner.id, role: 'owner' });
    siteId = (await insertRow(db, 'sites', { organization_id: org, name: 'Lumen Supply', base_url: shop.url, is_local: true })).id as string;
    // Another organisation monitors the same shop (so the overlay runs for them) but has no bugs there.
    const org2 = (await insertRow(db, 'organizations', { name: 'Other org', created_by: other.id })).id as string;
    await insertRow(db, 'organization_members', { organization_id: org2, user_id: other.id, role: 'owner' });
    await insertRow(db, 'sites', { organization_id: org2, name: 'Same shop, other org', base_url: shop.url, is_local: true });

    bug.note = await seedBug(db, { type: 'a11y', severity: 'P2', title: 'Text contrast too low: "Free shipping over $75"', url_template: '/', selector: '[data-testid="hero-note"]', message: 'color-contrast: Elements must meet minimum color contrast ratio thresholds' });
    bug.cta = await seedBug(db, { type: 'broken_link', severity: 'P1', title: 'Hero button leads nowhere', url_template: '/', selector: 'testid=hero-cta' });
    bug.js = await seedBug(db, { type: 'js_error', severity: 'P1', title: 'Uncaught TypeError on the home page', url_template: '/', message: "TypeError: Cannot read properties of null (reading 'dataset')" });
    bug.gone = await seedBug(db, { type: 'a11y', severity: 'P3', title: 'Featured section heading', url_template: '/', selector: '#featured-title-that-never-existed' });
    bug.snooze = await seedBug(db, { type: 'a11y', severity: 'P3', title: 'Hero title snooze me', url_template: '/', selector: '#hero-title' });
    bug.fp = await seedBug(db, { type: 'layout_overflow', severity: 'P2', title: 'Hero image false positive', url_template: '/', selector: 'img.hero-img' });
    bug.other = await seedBug(db, { type: 'js_error', severity: 'P0', title: 'On another page', url_template: '/cart' });
    bug.fixed = await seedBug(db, { type: 'js_error', severity: 'P0', title: 'Already fixed', url_template: '/', status: 'fixed' });
    bug.hostile = await seedBug(db, { type: 'js_error', severity: 'P0', title: HOSTILE_MESSAGE, message: HOSTILE_MESSAGE, url_template: '/__fixture/hostile', selector: '#hostile-button' });
  });
}, 180_000);

afterAll(async () => {
  for (const b of browsers) await b.close();
  await Promise.all([shop?.close(), external?.close()]);
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

async function browserAs(user: TestUser): Promise<ExtensionBrowser> {
  const b = await launchWithExtension(extDir);
  browsers.push(b);
  await signInBackground(b.sw, stackInfo(), user.email, user.password);
  const origin = new URL(shop.url).origin;
  await waitFor('the overlay registration for the shop', async () => (await registeredMatches(b.sw)).includes(`${origin}/*`));
  return b;
}

async function snapshotWhen(page: Page, what: string, ok: (s: OverlaySnapshot) => boolean, timeoutMs = 15_000): Promise<OverlaySnapshot> {
  let last: OverlaySnapshot | null = null;
  try {
    return await waitFor(what, async () => {
      last = await overlaySnapshot(page);
      return last && ok(last) ? last : null;
    }, timeoutMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast snapshot: ${JSON.stringify(last, (k, v) => (k === 'html' ? undefined : v))}`, { cause: e });
  }
}

async function rectOf(page: Page, css: string): Promise<{ left: number; top: number; width: number; height: number }> {
  return page.evaluate((sel) => {
    const r = document.querySelector(sel)!.getBoundingClientRect();
    return { left: r.left, top: r.top, width: r.width, height: r.height };
  }, css);
}

/** The pin sits on the element's top-left corner (kept 11 px inside the viewport). */
function pinnedAt(pin: { x: number; y: number }, r: { left: number; top: number }): boolean {
  return Math.abs(pin.x - Math.max(11, Math.round(r.left))) <= 2 && Math.abs(pin.y - Math.max(11, Math.round(r.top))) <= 2;
}

async function openPanel(page: Page): Promise<OverlaySnapshot> {
  const s = await snapshotWhen(page, 'the badge', (x) => x.badge !== null);
  await page.mouse.click(s.badge!.x, s.badge!.y);
  return snapshotWhen(page, 'the open panel', (x) => x.open);
}

describe('overlay on the fixture shop', () => {
  let b: ExtensionBrowser;
  let page: Page;

  beforeAll(async () => {
    b = await browserAs(owner);
    page = await b.context.newPage();
    await page.goto(shop.url);
  }, 60_000);

  it('shows a badge with the count of active bugs on this page by worst severity', async () => {
    const s = await snapshotWhen(page, 'the badge', (x) => x.badge !== null);
    // note, cta, js, gone, snooze, fp — not the fixed one, not the /cart one.
    expect(s.badge!.count).toBe('6');
    expect(s.badge!.worst).toBe('P1');
    expect(s.open).toBe(false);
    expect(s.pins).toHaveLength(0);
  });

  it('opening shows numbered pins on the right elements and lists page-level bugs without a pin', async () => {
    const s = await openPanel(page);
    const byId = new Map(s.items.map((i) => [i.id, i]));
    expect(byId.get(bug.note!)!.pinned).toBe(true);
    expect(byId.get(bug.cta!)!.pinned).toBe(true);
    expect(byId.get(bug.js!)!.pinned).toBe(false);
    expect(byId.get(bug.gone!)!.pinned).toBe(false);
    const pin = s.pins.find((p) => p.id === bug.note)!;
    expect(pin.num).toBe(byId.get(bug.note!)!.num);
    expect(pinnedAt(pin, await rectOf(page, '[data-testid="hero-note"]'))).toBe(true);
    expect(pinnedAt(s.pins.find((p) => p.id === bug.cta)!, await rectOf(page, '[data-testid="hero-cta"]'))).toBe(true);
    expect(byId.get(bug.note!)!.links).toEqual([`http://127.0.0.1:5173/sites/${siteId}/bugs/${bug.note}`]);
    expect(byId.get(bug.js!)!.html).toContain('first seen 3 days ago');
    // Page-level bugs have no "Show me".
    expect(byId.get(bug.js!)!.buttons.map((x) => x.cls)).not.toContain('show');
  });

  it('pins follow scroll', async () => {
    await page.mouse.wheel(0, 200);
    await page.waitForTimeout(100);
    const r = await rectOf(page, '[data-testid="hero-note"]');
    await snapshotWhen(page, 'the pin after scrolling', (s) => pinnedAt(s.pins.find((p) => p.id === bug.note)!, r));
    await page.evaluate(() => window.scrollTo(0, 0));
  });

  it('the pin follows a DOM change that moves and renames the element', async () => {
    // A re-render: the link is replaced by a new node with another test id and class, elsewhere on the page.
    await page.evaluate(() => {
      const old = document.querySelector('[data-testid="hero-cta"]')!;
      const fresh = old.cloneNode(true) as HTMLElement;
      fresh.setAttribute('data-testid', 'hero-shop-button');
      fresh.className = 'btn btn-secondary';
      old.closest('p')!.remove();
      document.querySelector('.hero-text')!.prepend(fresh);
    });
    const r = await rectOf(page, '[data-testid="hero-shop-button"]');
    await snapshotWhen(page, 'the pin on the renamed element', (s) => {
      const p = s.pins.find((x) => x.id === bug.cta);
      return !!p && pinnedAt(p, r);
    });
  });

  it('a removed element turns into a page-level entry', async () => {
    await page.evaluate(() => document.querySelector('[data-testid="hero-note"]')!.remove());
    const s = await snapshotWhen(page, 'the note bug at page level', (x) => x.items.some((i) => i.id === bug.note && !i.pinned));
    expect(s.pins.find((p) => p.id === bug.note)).toBeUndefined();
  });

  it('"show me" scrolls to the element', async () => {
    await page.evaluate(() => window.scrollTo(0, document.body.scrollHeight));
    const s = await snapshotWhen(page, 'items', (x) => x.items.length > 0);
    const btn = s.items.find((i) => i.id === bug.fp)!.buttons.find((x) => x.cls === 'show')!;
    await page.mouse.click(btn.x, btn.y);
    await waitFor('the hero image in view', async () => {
      const r = await rectOf(page, 'img.hero-img');
      return r.top >= 0 && r.top < 800;
    });
  });

  it('snooze and false positive update Postgres and the pins disappear', async () => {
    for (const [id, cls] of [
      [bug.snooze!, 'snooze'],
      [bug.fp!, 'false-positive'],
    ] as const) {
      const s = await snapshotWhen(page, `the ${cls} button`, (x) => x.items.some((i) => i.id === id));
      expect(s.pins.some((p) => p.id === id)).toBe(true);
      const btn = s.items.find((i) => i.id === id)!.buttons.find((x) => x.cls === cls)!;
      await page.mouse.click(btn.x, btn.y);
      await snapshotWhen(page, `${cls}: pin and entry gone`, (x) => !x.items.some((i) => i.id === id) && !x.pins.some((p) => p.id === id));
    }
    const rows = await withDb(async (db) => (await db.query('select id, snoozed_until, false_positive from public.bugs where id = any($1)', [[bug.snooze, bug.fp]])).rows);
    const byId = new Map(rows.map((r) => [r.id as string, r]));
    expect(new Date(byId.get(bug.snooze!)!.snoozed_until as string).getTime()).toBeGreaterThan(Date.now() + 6 * 86_400_000);
    expect(byId.get(bug.fp!)!.false_positive).toBe(true);
    // Still gone after a reload: the database says so, not just the page.
    await page.reload();
    const after = await openPanel(page);
    expect(after.items.map((i) => i.id)).not.toContain(bug.snooze);
    expect(after.items.map((i) => i.id)).not.toContain(bug.fp);
    expect(after.badge!.count).toBe('4');
  });

  it('refreshes on SPA route changes', async () => {
    await page.evaluate(() => history.pushState({}, '', '/cart'));
    const s = await snapshotWhen(page, 'the /cart bugs', (x) => x.badge?.count === '1' && x.badge.worst === 'P0');
    expect(s.open).toBe(false);
    await page.evaluate(() => history.back());
    await snapshotWhen(page, 'the home bugs again', (x) => x.badge?.count === '4');
  });

  it('the per-site hide toggle hides everything, and it stays hidden on other pages of the site', async () => {
    const s = await openPanel(page);
    expect(s.open).toBe(true);
    const hide = await inIsolatedWorld<{ x: number; y: number }>(
      page,
      `() => { const r = chrome.dom.openOrClosedShadowRoot(document.querySelector('flowlens-overlay')).querySelector('.hide').getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2 }; }`,
    );
    if (!hide.present) throw new Error('no overlay');
    await page.mouse.click(hide.value.x, hide.value.y);
    await snapshotWhen(page, 'no overlay', (x) => !x.host);
    await page.goto(`${shop.url}/about`);
    await page.goto(shop.url);
    const hidden = await snapshotWhen(page, 'the script loaded', (x) => x.loaded);
    expect(hidden.host).toBe(false);
    // Alt+Shift+F brings it back.
    await page.keyboard.press('Alt+Shift+KeyF');
    await snapshotWhen(page, 'the badge again', (x) => x.badge?.count === '4');
  });

  it('is hidden while the recorder is recording', async () => {
    await b.sw.evaluate(async () => {
      await (globalThis as unknown as { chrome: { storage: { session: { set: (v: object) => Promise<void> } } } }).chrome.storage.session.set({ 'flowlens.recorder': { recording: true, tabId: null } });
    });
    await snapshotWhen(page, 'no overlay while recording', (x) => !x.host);
    await b.sw.evaluate(async () => {
      await (globalThis as unknown as { chrome: { storage: { session: { set: (v: object) => Promise<void> } } } }).chrome.storage.session.set({ 'flowlens.recorder': { recording: false, tabId: null } });
    });
    await snapshotWhen(page, 'the badge after recording', (x) => x.badge?.count === '4');
  });

  it('nothing runs on sites the user does not monitor', async () => {
    const p = await b.context.newPage();
    await p.goto(`${external.url}/ok`);
    await p.waitForTimeout(500);
    expect((await inIsolatedWorld(p, '() => globalThis.__flowlensOverlay === true')).present).toBe(false);
    await p.close();
  });

  it('the hostile page can neither break nor inject into the overlay', async () => {
    const p = await b.context.newPage();
    await p.goto(`${shop.url}/__fixture/hostile`);
    const s = await snapshotWhen(p, 'the badge on the hostile page', (x) => x.badge !== null);
    expect(s.badge!.worst).toBe('P0');
    // The badge is on top of the page's max-z-index layers and its click catcher: a real click opens it.
    const topmost = await p.evaluate(([x, y]) => document.elementFromPoint(x!, y!)?.localName, [s.badge!.x, s.badge!.y]);
    expect(topmost).toBe('flowlens-overlay');
    await p.mouse.click(s.badge!.x, s.badge!.y);
    const open = await snapshotWhen(p, 'the open panel on the hostile page', (x) => x.open && x.items.length === 1);
    expect(await p.getByTestId('hostile-clicks').textContent()).toBe('Clicks caught by the page: 0');
    // The title is text, exactly as stored; nothing it contains became markup.
    const item = open.items[0]!;
    expect(item.title).toBe(HOSTILE_MESSAGE);
    expect(item.html).not.toContain('<img');
    expect(item.html).not.toContain('<script');
    expect(item.html).not.toContain('<b ');
    expect(await p.evaluate(() => (window as unknown as { __flowlensXss?: string }).__flowlensXss ?? null)).toBeNull();
    // The page's `* { all: unset }`, 10px rem and Comic Sans do not reach inside.
    expect(open.panelFont!.size).toBe('13px');
    expect(open.panelFont!.family).not.toMatch(/Comic/);
    // The pin is on the right element despite the page's transformed body.
    expect(pinnedAt(open.pins[0]!, await rectOf(p, '#hostile-button'))).toBe(true);
    // The page cannot reach into the overlay.
    expect(await p.evaluate(() => document.querySelector('flowlens-overlay')?.shadowRoot ?? null)).toBeNull();
    await p.close();
  });
});

describe('overlay for another organisation', () => {
  it('a user of another organisation sees no pins on the same page', async () => {
    const b = await browserAs(other);
    const page = await b.context.newPage();
    await page.goto(shop.url);
    // The script runs (this user monitors the shop too) and shows nothing: none of these bugs are theirs.
    const s = await snapshotWhen(page, 'the script loaded', (x) => x.loaded);
    await page.waitForTimeout(1000);
    const again = await overlaySnapshot(page);
    expect(s.host).toBe(false);
    expect(again!.host).toBe(false);
    expect(again!.pins).toHaveLength(0);
  });
});
