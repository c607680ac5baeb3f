/**
 * The extension as a new user meets it (issue 19), in real Chromium with the built extension,
 * against the test stack and the fixture shop: the bug overlay right after signing in (with and
 * without host access granted earlier), the badge on the first page load of repeated browser
 * starts, and Save taking the first click after typing a name.
 */
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flowToSavePayload, parseFlow } from '@flowlens/core';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, stackInfo, withDb, type TestUser } from '@flowlens/stack/testing';
import { startShop, type Shop } from '../fixtures/index.ts';
import { insertRow } from '../database/world.ts';
import { buildExtension, REPO_ROOT } from './overlay-build.ts';
import { inIsolatedWorld, launchWithExtension, overlaySnapshot, recorderState, registeredMatches, signInBackground, tabIdFor, waitFor, type ExtensionBrowser } from './overlay-harness.ts';

const FLOW_NAME = 'Browse the shop';
let signupFlowId: string;
let mobileBugId: string;

let shop: Shop;
let outDir: string;
/** The extension as installed: no host access yet. */
let plainDir: string;
/** The same build after the user allowed 127.0.0.1 (Record, Walk through or "Show bugs" earlier). */
let grantedDir: string;
let owner: TestUser;
let siteId: string;
const browsers: ExtensionBrowser[] = [];
let signedIn: { b: ExtensionBrowser; panel: Page };

beforeAll(async () => {
  const info = stackInfo();
  shop = await startShop({});
  outDir = mkdtempSync(join(tmpdir(), 'flowlens-new-user-ext-'));
  plainDir = await buildExtension({ outDir: join(outDir, 'build'), supabaseUrl: info.apiUrl, anonKey: info.anonKey });
  grantedDir = join(outDir, 'granted');
  cpSync(plainDir, grantedDir, { recursive: true });
  const manifestPath = join(grantedDir, 'manifest.json');
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8')) as { host_permissions?: string[] };
  manifest.host_permissions = [...(manifest.host_permissions ?? []), 'http://127.0.0.1/*'];
  writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));

  owner = await createTestUser('new-user');
  await withDb(async (db) => {
    const org = (await insertRow(db, 'organizations', { name: 'Lumen team', created_by: owner.id })).id as string;
    await insertRow(db, 'organization_members', { organization_id: org, user_id: owner.id, role: 'owner' });
    siteId = (await insertRow(db, 'sites', { organization_id: org, name: 'Lumen Supply', base_url: shop.url, is_local: true })).id as string;
    await insertRow(db, 'bugs', {
      site_id: siteId,
      fingerprint: `v1:new-user-${Math.random().toString(36).slice(2)}`,
      fingerprint_version: '1',
      status: 'active',
      viewports: ['desktop'],
      type: 'broken_link',
      severity: 'P1',
      title: 'Hero button leads nowhere',
      url_template: '/',
      selector: 'testid=hero-cta',
      first_seen_at: new Date(Date.now() - 86_400_000).toISOString(),
    });
    // A page-level bug (no element): its row shows the "page" chip instead of a pin number.
    await insertRow(db, 'bugs', {
      site_id: siteId,
      fingerprint: `v1:new-user-${Math.random().toString(36).slice(2)}`,
      fingerprint_version: '1',
      status: 'active',
      viewports: ['desktop', 'mobile'],
      type: 'js_error',
      severity: 'P2',
      title: 'Uncaught TypeError on the home page',
      message: "TypeError: Cannot read properties of null (reading 'dataset')",
      url_template: '/',
      first_seen_at: new Date(Date.now() - 2 * 86_400_000).toISOString(),
    });
  });
  const flow = parseFlow({
    name: FLOW_NAME,
    startUrl: `${shop.url}/`,
    steps: [
      { action: 'click', selectors: [{ kind: 'testid', value: 'nav-products' }], label: "Click 'Shop'" },
      { action: 'assert', assertion: 'urlContains', value: '/products' },
    ],
  });
  const { error } = await owner.client.rpc('save_flow', { payload: flowToSavePayload(flow, siteId, 'extension') });
  if (error) throw new Error(error.message);
  // Sign-up as recorded before the form's refactor (signup-renamed-ids renames the button "Create my account").
  const signup = parseFlow({
    name: 'Sign up',
    startUrl: `${shop.url}/signup`,
    steps: [
      { action: 'input', selectors: [{ kind: 'label', value: 'Email' }], value: 'ada@example.com', label: 'Enter email' },
      { action: 'check', selectors: [{ kind: 'label', value: 'I agree to the terms of sale and the privacy notice' }], checked: true, label: "Check 'I agree to the terms'" },
      { ...recordedCreateAccount(), page: undefined },
    ],
  });
  const saved = await owner.client.rpc('save_flow', { payload: flowToSavePayload(signup, siteId, 'extension') });
  if (saved.error) throw new Error(saved.error.message);
  signupFlowId = (saved.data as { id: string }).id;
  await withDb(async (db) => {
    mobileBugId = (await insertRow(db, 'bugs', {
      site_id: siteId,
      fingerprint: `v1:new-user-${Math.random().toString(36).slice(2)}`,
      fingerprint_version: '1',
      status: 'active',
      viewports: ['mobile'],
      type: 'flow_broken',
      severity: 'P1',
      title: 'Sign up is broken on mobile: the Create account button does nothing',
      message: "locator.click: Timeout 5000ms exceeded. waiting for getByTestId('signup-submit') — element is not visible",
      url_template: '/signup',
      flow_id: signupFlowId,
      step_index: 2,
      first_seen_at: new Date(Date.now() - 86_400_000).toISOString(),
    })).id as string;
  });
}, 240_000);

afterAll(async () => {
  for (const b of browsers) await b.close();
  await shop?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

async function launch(dir: string, profile?: string): Promise<ExtensionBrowser> {
  const b = await launchWithExtension(dir, undefined, profile);
  browsers.push(b);
  return b;
}

/** The shop's home page in a tab, and the side panel for that tab (as Chrome opens it beside the tab). */
async function shopAndPanel(b: ExtensionBrowser): Promise<{ site: Page; panel: Page }> {
  const site = await b.context.newPage();
  await site.goto(`${shop.url}/`);
  const tabId = await tabIdFor(b.sw, shop.url);
  const panel = await b.context.newPage();
  await panel.goto(`chrome-extension://${new URL(b.sw.url()).host}/sidepanel.html?tabId=${tabId}`);
  return { site, panel };
}

async function signInThroughPanel(panel: Page): Promise<void> {
  await panel.getByTestId('signin-email').fill(owner.email);
  await panel.getByTestId('signin-password').fill(owner.password);
  await panel.getByTestId('signin-submit').click();
  await panel.getByTestId('signed-in-as').waitFor();
}

/** The "Create account" click as the extension recorded it for the demo (tests/fixtures/shop/flows/signup.json). */
function recordedCreateAccount(): Record<string, unknown> {
  const flow = JSON.parse(readFileSync(join(REPO_ROOT, 'tests', 'fixtures', 'shop', 'flows', 'signup.json'), 'utf8')) as { steps: Record<string, unknown>[] };
  const step = flow.steps.find((x) => x.label === "Click 'Create account'");
  if (!step) throw new Error('signup.json has no "Create account" step');
  return step;
}

/** Serious and critical WCAG 2.x A/AA violations axe-core finds in `page` (an extension page too: evaluate bypasses its CSP). */
async function axeViolations(page: Page): Promise<string[]> {
  const axe = (await import('axe-core')) as unknown as { source: string; default?: { source: string } };
  const source = axe.source ?? axe.default?.source;
  if (!source) throw new Error('axe-core has no `source` export');
  if (!(await page.evaluate(() => 'axe' in window))) await page.evaluate(`(() => { ${source}\n })()`);
  const found = await page.evaluate(async () => {
    const w = window as unknown as { axe: { run: (ctx: Document, opts: object) => Promise<{ violations: { id: string; impact: string | null; nodes: { target: string[] }[] }[] }> } };
    const r = await w.axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, targets: v.nodes.map((n) => n.target.join(' ')) }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical').map((v) => `${v.id}: ${v.targets.slice(0, 3).join(', ')}`);
}

/**
 * axe over a closed shadow root's UI (overlay, walkthrough): axe cannot enter a closed root, so its
 * markup and its own stylesheet are copied, as they are now, into a page of their own at the same
 * viewport size, and axe runs there (names, roles, contrast of what the user sees).
 */
async function axeOnShadowUi(b: ExtensionBrowser, page: Page, hostTag: string): Promise<string[]> {
  const r = await inIsolatedWorld<{ css: string; html: string }>(
    page,
    `(tag) => { const root = chrome.dom.openOrClosedShadowRoot(document.querySelector(tag));
      const css = [...root.adoptedStyleSheets].flatMap((s) => [...s.cssRules].map((x) => x.cssText)).join('\\n') + [...root.querySelectorAll('style')].map((x) => x.textContent).join('\\n');
      return { css, html: root.innerHTML }; }`,
    hostTag,
  );
  if (!r.present) throw new Error(`no ${hostTag} in the page`);
  const copy = await b.context.newPage();
  try {
    await copy.setViewportSize(page.viewportSize() ?? { width: 1280, height: 800 });
    await copy.setContent(`<!doctype html><html lang="en"><head><title>${hostTag}</title><style>${r.value.css.replace(/:host/g, 'body')}</style></head><body><main>${r.value.html}</main></body></html>`);
    return await axeViolations(copy);
  } finally {
    await copy.close();
  }
}

/** With FLOWLENS_DOC_SCREENSHOTS=1, keeps a screenshot for docs/extension.md (docs/images/extension-<name>.png). */
async function docShot(page: Page, name: string): Promise<void> {
  if (process.env.FLOWLENS_DOC_SCREENSHOTS !== '1') return;
  const dir = join(REPO_ROOT, 'docs', 'images');
  mkdirSync(dir, { recursive: true });
  await page.screenshot({ path: join(dir, `extension-${name}.png`) });
}

interface Box {
  left: number;
  top: number;
  right: number;
  bottom: number;
}

function overlaps(a: Box, b: Box): boolean {
  return a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
}

/** Evaluates `fn(shadowRoot)` inside the overlay's closed shadow root (the extension's isolated world). */
async function inOverlay<T>(page: Page, fn: string): Promise<T> {
  const r = await inIsolatedWorld<T>(page, `() => { const host = document.querySelector('flowlens-overlay'); if (!host) throw new Error('no overlay'); return (${fn})(chrome.dom.openOrClosedShadowRoot(host)); }`);
  if (!r.present) throw new Error('no overlay script in the page');
  return r.value;
}

interface WalkView {
  index: number;
  kind: string;
  text: string;
  visibleText: string;
  card: Box;
  ring: Box | null;
  tip: Box | null;
  buttons: string[];
}

/** The walkthrough card at step `index` (0-based) of kind `kind`, with the rects of card, ring and tip. */
async function walkAt(page: Page, index: number, kind = 'step'): Promise<WalkView> {
  let last: unknown = null;
  try {
    return await waitFor(`walkthrough step ${index + 1} (${kind})`, async () => {
      const r = await inIsolatedWorld<WalkView | null>(page, `() => {
        const host = document.querySelector('flowlens-walkthrough');
        if (!host) return null;
        const root = chrome.dom.openOrClosedShadowRoot(host);
        const card = root.querySelector('.card');
        const box = (el) => { if (!el || el.hidden) return null; const r = el.getBoundingClientRect(); return { left: r.left, top: r.top, right: r.right, bottom: r.bottom }; };
        const ring = box(root.querySelector('.ring'));
        return { index: Number(card.dataset.index), kind: card.dataset.kind, text: card.textContent, visibleText: card.innerText, card: box(card),
          ring: ring && { left: ring.left + 4, top: ring.top + 4, right: ring.right - 4, bottom: ring.bottom - 4 }, tip: box(root.querySelector('.tip')),
          buttons: [...card.querySelectorAll('button')].map((b) => b.textContent) };
      }`);
      last = r.present ? r.value : null;
      const v = r.present ? r.value : null;
      // Settled: the ring and tip are placed (a frame after the card) for a step on an element.
      return v && v.index === index && v.kind === kind && (kind !== 'step' || (v.ring && v.tip)) ? v : null;
    }, 20_000);
  } catch (e) {
    throw new Error(`${(e as Error).message}; last: ${JSON.stringify(last)}`, { cause: e });
  }
}

/** Presses a walkthrough card button by class (as a click inside its closed shadow root). */
async function walkPress(page: Page, cls: string): Promise<void> {
  const r = await inIsolatedWorld<boolean>(page, `(cls) => { const b = chrome.dom.openOrClosedShadowRoot(document.querySelector('flowlens-walkthrough')).querySelector('.' + cls); if (!b || b.disabled) return false; b.click(); return true; }`, cls);
  if (!r.present || !r.value) throw new Error(`no ${cls} button to press`);
}

async function badgeOn(page: Page, timeoutMs = 20_000): Promise<{ count: string; worst: string }> {
  return waitFor('the overlay badge', async () => (await overlaySnapshot(page))?.badge ?? null, timeoutMs);
}

describe('a new user in the side panel', () => {
  it('sees the badge on the open tab right after signing in, without reloading it (access granted earlier)', async () => {
    const b = await launch(grantedDir);
    const { site, panel } = await shopAndPanel(b);
    await signInThroughPanel(panel);
    // No reload of the shop tab: the overlay comes to the page that is already open.
    const badge = await badgeOn(site);
    expect(badge).toMatchObject({ count: '2', worst: 'P1' });
    // With access, the panel does not offer what is already on.
    expect(await panel.getByTestId('show-bugs-offer').count()).toBe(0);
    // The site picker names the site once (no "Lumen Supply — Lumen team").
    expect(await panel.getByTestId('site-select').locator('option').allTextContents()).toEqual(['Lumen Supply']);
    signedIn = { b, panel };
  }, 180_000);

  it('saves with the first click on Save right after typing a name', async () => {
    // The name field saves when it loses focus, which the press on Save causes: that must not disable Save mid-click.
    const { b, panel } = signedIn;
    const row = panel.getByTestId('saved-flow').filter({ hasText: FLOW_NAME });
    await row.getByRole('button', { name: 'Open' }).click();
    await panel.getByTestId('flow-name').waitFor();
    await expect.poll(() => panel.getByTestId('flow-name').inputValue()).toBe(FLOW_NAME);
    const renamed = `${FLOW_NAME} and its cart`;
    await panel.getByTestId('flow-name').fill(renamed);
    await panel.getByTestId('save').click(); // once
    await expect.poll(() => panel.getByTestId('panel-notice').textContent().catch(() => ''), { timeout: 15_000 }).toContain(`Saved "${renamed}" (version 2)`);
    const names = await withDb(async (db) => (await db.query<{ name: string; version: number }>(`select name, version from public.flows where site_id = $1 and name like 'Browse the shop%'`, [siteId])).rows);
    expect(names).toEqual([{ name: renamed, version: 2 }]);
    expect(await panel.getByText('Unsaved changes.').count()).toBe(0);
    expect(await panel.getByTestId('panel-error').count()).toBe(0);
    await b.close();
  }, 120_000);

  it('offers "Show bugs on this site" when the site has no access yet, asking for that origin only, in the click', async () => {
    const b = await launch(plainDir);
    const { site, panel } = await shopAndPanel(b);
    await panel.setViewportSize({ width: 400, height: 640 }); // a side panel's width
    await panel.getByTestId('signin-email').waitFor();
    expect(await axeViolations(panel), 'side panel: sign-in').toEqual([]);
    await docShot(panel, 'panel-sign-in');
    await signInThroughPanel(panel);
    const offer = panel.getByTestId('show-bugs-offer');
    await offer.waitFor();
    expect(await axeViolations(panel), 'side panel: show bugs offer').toEqual([]);
    await docShot(panel, 'panel-show-bugs');
    const origin = new URL(shop.url).origin;
    expect(await offer.textContent()).toContain(`needs access to ${origin} (this site only)`);
    expect(await registeredMatches(b.sw)).toEqual([]);
    expect(await overlaySnapshot(site)).toBeNull();

    // What the button asks Chrome for, and that Chrome takes it as asked inside a click: the real
    // permissions.request is called (it refuses at once without a user gesture); headless Chromium
    // cannot answer the prompt it then shows, so after 3 s the test answers as a user saying "Deny".
    await panel.evaluate(() => {
      const c = (globalThis as unknown as { chrome: { permissions: { request: (p: object) => Promise<boolean> } } }).chrome;
      const real = c.permissions.request.bind(c.permissions);
      const seen: { origins: unknown; refused?: string }[] = [];
      (globalThis as unknown as { __asked: typeof seen }).__asked = seen;
      c.permissions.request = (p: object) => {
        const entry: (typeof seen)[number] = { origins: (p as { origins?: unknown }).origins };
        seen.push(entry);
        const prompt = real(p).then(
          (granted) => granted,
          (e: unknown) => {
            entry.refused = String(e);
            return false;
          },
        );
        return Promise.race([prompt, new Promise<boolean>((r) => setTimeout(() => r(false), 3000))]);
      };
    });
    await panel.getByTestId('show-bugs').click();
    await expect.poll(() => panel.getByTestId('panel-error').textContent().catch(() => ''), { timeout: 15_000 }).toContain(`was not given access to ${origin}`);
    expect(await panel.evaluate(() => (globalThis as unknown as { __asked: unknown[] }).__asked)).toEqual([{ origins: [`${origin}/*`] }]);
    expect(await registeredMatches(b.sw)).toEqual([]);
    await b.close();
  }, 180_000);

  it('a pin opens its bug next to its element, from the keyboard too; the page chip holds its text', async () => {
    const b = await launch(grantedDir);
    await signInBackground(b.sw, stackInfo(), owner.email, owner.password);
    const page = await b.context.newPage();
    await page.goto(`${shop.url}/`);
    await badgeOn(page);
    // Keyboard only: focus the badge, Enter opens the panel; focus a pin, Enter opens its card.
    await inOverlay(page, `(root) => root.querySelector('.badge').focus()`);
    await page.keyboard.press('Enter');
    await waitFor('the pin', async () => (await inOverlay<number>(page, `(root) => root.querySelectorAll('.pin').length`)) === 1);
    const chip = await inOverlay<{ text: string; scroll: number; client: number }>(page, `(root) => { const c = root.querySelector('.num.page'); return { text: c.textContent, scroll: c.scrollWidth, client: c.clientWidth }; }`);
    expect(chip.text).toBe('page');
    expect(chip.scroll, 'the page chip text fits its box').toBeLessThanOrEqual(chip.client);
    await inOverlay(page, `(root) => root.querySelector('.pin').focus()`);
    await page.keyboard.press('Enter');
    const card = await waitFor('the bug card', async () =>
      inOverlay<{ text: string; focusIn: boolean; rect: Box; buttons: string[] } | null>(page, `(root) => {
        const c = root.querySelector('.card');
        if (!c || c.hidden) return null;
        const r = c.getBoundingClientRect();
        return { text: c.textContent, focusIn: c.contains(root.activeElement), rect: { left: r.left, top: r.top, right: r.right, bottom: r.bottom },
          buttons: [...c.querySelectorAll('button, a')].map((x) => x.textContent) };
      }`),
    );
    expect(card.text).toContain('Hero button leads nowhere');
    expect(card.text).toContain('P1');
    expect(card.text).toContain('seen on desktop');
    expect(card.buttons).toEqual(expect.arrayContaining(['Open in dashboard', 'Snooze 7 days', 'False positive']));
    expect(card.focusIn, 'focus moved into the card').toBe(true);
    expect(await axeOnShadowUi(b, page, 'flowlens-overlay'), 'overlay: panel and bug card').toEqual([]);
    await docShot(page, 'overlay-pin-card');
    // Next to the element, never on it, and inside the viewport.
    const el = await page.getByTestId('hero-cta').evaluate((e) => {
      const r = e.getBoundingClientRect();
      return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
    });
    expect(overlaps(card.rect, el), `card ${JSON.stringify(card.rect)} covers the element ${JSON.stringify(el)}`).toBe(false);
    const vp = page.viewportSize()!;
    expect(card.rect.left >= 0 && card.rect.top >= 0 && card.rect.right <= vp.width && card.rect.bottom <= vp.height).toBe(true);
    const distance = Math.min(Math.abs(card.rect.top - el.bottom), Math.abs(el.top - card.rect.bottom), Math.abs(card.rect.left - el.right), Math.abs(el.left - card.rect.right));
    expect(distance, 'the card sits next to the element').toBeLessThan(40);
    // Esc closes it and gives the focus back to the pin.
    await page.keyboard.press('Escape');
    await waitFor('the card closed, focus on the pin', async () =>
      inOverlay<boolean>(page, `(root) => root.querySelector('.card').hidden && root.activeElement === root.querySelector('.pin')`),
    );

    // A walkthrough on this page: the overlay steps aside; it never covers the walkthrough card.
    const tabId = await tabIdFor(b.sw, `${shop.url}/`);
    const panel = await b.context.newPage();
    await panel.goto(`chrome-extension://${new URL(b.sw.url()).host}/sidepanel.html?tabId=${tabId}`);
    await panel.getByTestId('saved-flow').first().getByTestId('walk-through').click();
    await page.bringToFront();
    const both = await waitFor('the walkthrough card', async () => {
      const r = await inIsolatedWorld<{ walk: Box | null; overlayShown: boolean; badge: Box | null }>(page, `() => {
        const box = (el) => { if (!el) return null; const r = el.getBoundingClientRect(); return r.width ? { left: r.left, top: r.top, right: r.right, bottom: r.bottom } : null; };
        const wh = document.querySelector('flowlens-walkthrough');
        const oh = document.querySelector('flowlens-overlay');
        const wr = wh && chrome.dom.openOrClosedShadowRoot(wh);
        const or = oh && chrome.dom.openOrClosedShadowRoot(oh);
        return { walk: wr ? box(wr.querySelector('.card')) : null, overlayShown: !!or && !or.querySelector('.root').hidden, badge: or ? box(or.querySelector('.badge')) : null };
      }`);
      return r.present && r.value.walk ? r.value : null;
    });
    expect(both.overlayShown && both.badge !== null && overlaps(both.badge, both.walk!), JSON.stringify(both)).toBe(false);
    await page.keyboard.press('Escape');
    await waitFor('the badge back after the walkthrough', async () => (await inOverlay<boolean>(page, `(root) => !root.querySelector('.root').hidden`)) === true);
    await b.close();
  }, 180_000);

  it('walkthrough: the step label covers no page content; an element found under a new name says so', async () => {
    const b = await launch(grantedDir);
    await signInBackground(b.sw, stackInfo(), owner.email, owner.password);
    shop.updateDefects({ enable: ['signup-renamed-ids'] });
    try {
      const page = await b.context.newPage();
      await page.goto(`${shop.url}/signup#flowlens-walkthrough=flow:${signupFlowId}`);
      for (const [index, covered] of [[0, ['Email']], [1, ['I agree to the terms of sale and the privacy notice']]] as const) {
        const w = await walkAt(page, index);
        for (const text of covered) {
          const label = await page.getByText(text, { exact: true }).first().evaluate((e) => {
            const r = e.getBoundingClientRect();
            return { left: r.left, top: r.top, right: r.right, bottom: r.bottom };
          });
          expect(overlaps(w.tip!, label), `step ${index + 1}: the tip ${JSON.stringify(w.tip)} covers "${text}" ${JSON.stringify(label)}`).toBe(false);
        }
        await walkPress(page, 'do-it');
      }
      const w = await walkAt(page, 2);
      expect(w.text).toContain("Click 'Create account'");
      expect(w.text).toContain('Found as ‘Create my account’');
      expect(await axeOnShadowUi(b, page, 'flowlens-walkthrough'), 'walkthrough card').toEqual([]);
      await docShot(page, 'walkthrough-found-as');
      await page.keyboard.press('Escape');
    } finally {
      shop.updateDefects({ disable: ['signup-renamed-ids'] });
    }
    await b.close();
  }, 120_000);

  it('walkthrough of a mobile-only bug at desktop width: says where it was seen, offers that width, no selector jargon in view', async () => {
    const b = await launch(grantedDir);
    await signInBackground(b.sw, stackInfo(), owner.email, owner.password);
    const page = await b.context.newPage();
    await page.goto(`${shop.url}/signup#flowlens-walkthrough=bug:${mobileBugId}`);
    await walkAt(page, 0);
    await walkPress(page, 'do-it');
    await walkAt(page, 1);
    await walkPress(page, 'do-it');
    const w = await walkAt(page, 2, 'bug');
    expect(w.text).toContain('The flow broke here on mobile only');
    expect(w.text).toContain('375 px wide');
    expect(w.text).not.toContain('This is where the flow broke');
    expect(w.text).toContain('device toolbar');
    expect(w.visibleText).not.toContain("getByTestId('signup-submit')");
    expect(w.text).toContain("getByTestId('signup-submit')"); // still there, folded under "Technical details"
    expect(w.buttons).toContain('Continue at mobile width');
    expect(await axeOnShadowUi(b, page, 'flowlens-walkthrough'), 'walkthrough bug card').toEqual([]);
    await docShot(page, 'walkthrough-mobile-only-bug');
    // The button resizes the walkthrough's window (headless Chromium keeps the emulated page width, so
    // the window's own size is what changes).
    const windowWidth = () => b.sw.evaluate(async () => {
      const c = (globalThis as unknown as { chrome: { windows: { getAll: () => Promise<{ width?: number }[]> } } }).chrome;
      return (await c.windows.getAll()).map((x) => x.width ?? 0);
    });
    const before = await windowWidth();
    await walkPress(page, 'resize');
    await waitFor('the window resized', async () => JSON.stringify(await windowWidth()) !== JSON.stringify(before));
    await page.keyboard.press('Escape');
    await b.close();
  }, 120_000);

  it('walkthrough at 375 px: a short card away from the element', async () => {
    const b = await launchWithExtension(grantedDir, { width: 375, height: 812 });
    browsers.push(b);
    await signInBackground(b.sw, stackInfo(), owner.email, owner.password);
    const page = await b.context.newPage();
    await page.goto(`${shop.url}/signup#flowlens-walkthrough=flow:${signupFlowId}`);
    for (const index of [0, 1]) {
      const w = await walkAt(page, index);
      expect(w.card.bottom - w.card.top, `card height at step ${index + 1}`).toBeLessThanOrEqual(812 * 0.4 + 1);
      expect(overlaps(w.card, w.ring!), `step ${index + 1}: card ${JSON.stringify(w.card)} covers the element ${JSON.stringify(w.ring)}`).toBe(false);
      expect(overlaps(w.tip!, w.card)).toBe(false);
      if (index === 0) await docShot(page, 'walkthrough-375');
      await walkPress(page, 'do-it');
    }
    await page.keyboard.press('Escape');
    await b.close();
  }, 120_000);

  it('records a sign-in password as PASSWORD, shown and renamable in its step; checks after any step and on a picked element', async () => {
    const b = await launch(grantedDir);
    await signInBackground(b.sw, stackInfo(), owner.email, owner.password);
    const site = await b.context.newPage();
    await site.goto(`${shop.url}/login`);
    const tabId = await tabIdFor(b.sw, `${shop.url}/login`);
    const panel = await b.context.newPage();
    await panel.goto(`chrome-extension://${new URL(b.sw.url()).host}/sidepanel.html?tabId=${tabId}`);
    await panel.getByTestId('record').click();
    await panel.getByTestId('stop').waitFor();
    await site.bringToFront();
    await waitFor('the recorder in the page', async () => (await recorderState(b.sw)).recording);
    await site.waitForTimeout(500);
    await site.getByLabel('Email').fill('shopper@lumen.test');
    await site.getByLabel('Password').fill('lumen-shopper-1');
    await site.getByLabel('Password').press('Tab');
    const steps = async () => ((await recorderState(b.sw)).draft?.steps ?? []).map((x) => x.step as { action: string; value?: string; assertion?: string; selectors?: unknown[] });
    await waitFor('two input steps', async () => (await steps()).length >= 2);
    expect((await steps()).map((x) => x.value)).toEqual(['shopper@lumen.test', '{{secret:PASSWORD}}']);

    // A check on an element, picked on the page while recording: that click is the check's, not a step.
    for (const [button, target] of [['pick-visible', site.getByRole('heading', { name: 'Log in' })], ['pick-text', site.getByText('New to Lumen?')]] as const) {
      await panel.bringToFront();
      await panel.getByTestId(button).click();
      await panel.getByTestId('picking').waitFor();
      await site.bringToFront();
      const n = (await steps()).length;
      await target.click({ position: { x: 4, y: 4 } });
      await waitFor('the picked check', async () => (await steps()).length === n + 1);
    }
    const recorded = await steps();
    expect(recorded.map((x) => [x.action, x.assertion ?? null])).toEqual([
      ['input', null],
      ['input', null],
      ['assert', 'elementVisible'],
      ['assert', 'textVisible'],
    ]);
    expect(recorded[2]!.selectors!.length).toBeGreaterThan(0);
    expect(recorded[3]).toMatchObject({ value: 'New to Lumen? Create an account.' });
    expect(site.url()).toContain('/login'); // the picking clicks did nothing on the page

    await panel.bringToFront();
    await panel.getByTestId('stop').click();
    await panel.getByTestId('record').waitFor();
    const labels = () => panel.locator('[data-testid=step] [data-testid=step-label]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
    expect((await labels()).slice(2)).toEqual(["Check 'Log in' is visible", "Check the element shows 'New to Lumen? Create an account.'"]);

    // The secret's name is in its step, and renamable there.
    const row = panel.getByTestId('step').nth(1);
    expect(await row.getByTestId('secret-name').textContent()).toBe('{{secret:PASSWORD}}');
    await row.getByTestId('rename-secret').click();
    await row.getByTestId('secret-rename-input').fill('SHOP_PASSWORD');
    await row.getByTestId('secret-rename-ok').click();
    await expect.poll(() => row.getByTestId('secret-name').textContent()).toBe('{{secret:SHOP_PASSWORD}}');
    expect((await steps())[1]!.value).toBe('{{secret:SHOP_PASSWORD}}');
    expect(await panel.getByTestId('secrets-note').textContent()).toContain('FLOWLENS_SECRET_SHOP_PASSWORD');
    expect(await axeViolations(panel), 'side panel: a recorded flow').toEqual([]);

    // A page-wide check right after step 1.
    await panel.getByTestId('step').first().getByTestId('add-check-after').click();
    await panel.getByTestId('step').first().getByTestId('assert-text').fill('Log in');
    await panel.getByTestId('step').first().getByTestId('assert-add').click();
    await expect.poll(async () => (await labels())[1]).toBe("Check 'Log in' is visible");
    await panel.setViewportSize({ width: 400, height: 900 });
    await docShot(panel, 'panel-recorded-flow');
    expect((await steps()).map((x) => x.action)).toEqual(['input', 'assert', 'input', 'assert', 'assert']);
    expect(await panel.getByTestId('panel-error').count()).toBe(0);
    await b.close();
  }, 180_000);

  it('shows the badge on the first page load of every browser start (same profile, five starts)', async () => {
    const profile = mkdtempSync(join(tmpdir(), 'flowlens-new-user-profile-'));
    try {
      const origin = new URL(shop.url).origin;
      const missed: string[] = [];
      for (let start = 1; start <= 5; start++) {
        const b = await launch(grantedDir, profile);
        if (start === 1) {
          await signInBackground(b.sw, stackInfo(), owner.email, owner.password);
          await waitFor('the overlay registration for the shop', async () => (await registeredMatches(b.sw)).includes(`${origin}/*`));
        }
        const page = await b.context.newPage();
        await page.goto(`${shop.url}/`);
        const badge = await badgeOn(page).catch(() => null);
        if (badge?.count !== '2') {
          // What the loader would hear now, to tell a missing loader from a wrong answer.
          const asked = await inIsolatedWorld(page, `async () => chrome.runtime.sendMessage({ flowlens: 'overlay.page', data: { url: location.href } })`).catch((e: unknown) => String(e));
          missed.push(`start ${start}: ${JSON.stringify({ overlay: await overlaySnapshot(page), asked }).slice(0, 400)}`);
        }
        await b.close();
      }
      expect(missed, 'browser starts whose first page load showed no badge').toEqual([]);
    } finally {
      rmSync(profile, { recursive: true, force: true });
    }
  }, 300_000);
});
