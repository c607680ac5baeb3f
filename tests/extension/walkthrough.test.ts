/**
 * The guided walkthrough (issue 9) in real Chromium with the built extension, against the test
 * stack and the fixture shop: the checkout walked through by hand and with "Do it for me" (a
 * secret typed now), the spotlight on a healed element, the expected-element card when the element
 * is gone, a bug's walkthrough stopping at its failing step with the error, a hostile page, Esc
 * across a navigation, and outcome rows in flow_results for the flow's organisation only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, stackInfo, supabaseClient, withDb, type TestUser } from '@flowlens/stack/testing';
import { HOSTILE_MESSAGE, startShop, type Shop } from '../fixtures/index.ts';
import { insertRow } from '../database/world.ts';
import { locatorBundle } from '../../crawler/src/replay/locator-bundle.ts';
import { buildExtension } from './overlay-build.ts';
import { inIsolatedWorld, launchWithExtension, overlaySnapshot, registeredMatches, signInBackground, waitFor, type ExtensionBrowser } from './overlay-harness.ts';

let shop: Shop;
let outDir: string;
let extDir: string;
let owner: TestUser;
let other: TestUser;
let orgId: string;
let otherOrgId: string;
let siteId: string;
const flow: Record<string, string> = {};
let bugId: string;
const browsers: ExtensionBrowser[] = [];

type Db = Parameters<Parameters<typeof withDb>[0]>[0];

interface StepSeed {
  action: string;
  label: string;
  data?: Record<string, unknown>;
  screenshot_path?: string;
}

const tid = (value: string) => ({ selectors: [{ kind: 'testid', value }] });

function checkoutSteps(base: string): StepSeed[] {
  return [
    { action: 'click', label: 'Click "Add to cart"', data: tid('add-to-cart') },
    { action: 'assert', label: 'See it added', data: { assertion: 'textVisible', value: 'Added' } },
    { action: 'navigate', label: 'Go to checkout', data: { url: `${base}/checkout` } },
    { action: 'input', label: 'Enter your email', data: { ...tid('checkout-email'), value: 'ada@example.com' } },
    { action: 'input', label: 'Enter your name', data: { ...tid('checkout-name'), value: 'Ada Lovelace' } },
    { action: 'input', label: 'Enter the address', data: { ...tid('checkout-address'), value: '1 Analytical St' } },
    { action: 'input', label: 'Enter the city', data: { ...tid('checkout-city'), value: 'London' } },
    { action: 'input', label: 'Enter the postal code', data: { ...tid('checkout-postal'), value: 'N1 1AA' } },
    { action: 'input', label: 'Enter the card number', data: { ...tid('checkout-card'), value: '{{secret:CARD_NUMBER}}' } },
    { action: 'input', label: 'Enter the expiry', data: { ...tid('checkout-expiry'), value: '12/30' } },
    { action: 'input', label: 'Enter the CVC', data: { ...tid('checkout-cvc'), value: '123' } },
    { action: 'click', label: 'Click "Place order"', data: tid('place-order') },
    { action: 'assert', label: 'Reach the thank-you page', data: { assertion: 'urlContains', value: '/thanks' } },
  ];
}
const PLACE_ORDER = 11;
const CARD_STEP = 8;

async function seedFlow(db: Db, name: string, startUrl: string, steps: StepSeed[]): Promise<string> {
  const id = (await insertRow(db, 'flows', { site_id: siteId, name, start_url: startUrl, critical: true })).id as string;
  for (const [position, s] of steps.entries()) {
    await insertRow(db, 'flow_steps', { flow_id: id, position, action: s.action, label: s.label, data: s.data ?? {}, ...(s.screenshot_path ? { screenshot_path: s.screenshot_path } : {}) });
  }
  return id;
}

/** A "click Subscribe" step recorded on the unmutated healing lab with the extension's own engine. */
async function recordSubscribe(b: ExtensionBrowser): Promise<{ step: Record<string, unknown>; screenshot: Buffer }> {
  const page = await b.context.newPage();
  await page.goto(`${shop.url}/__fixture/healing`);
  await page.evaluate(await locatorBundle());
  const captured = await page.evaluate(() => {
    const L = (window as unknown as { __flowlensLocator: { generateSelectors: (e: Element) => unknown[]; describeElement: (e: Element) => unknown } }).__flowlensLocator;
    const el = document.querySelector('#subscribe-btn')!;
    return { selectors: L.generateSelectors(el), element: L.describeElement(el), page: { url: location.href, title: document.title, viewport: { width: innerWidth, height: innerHeight } } };
  });
  // What the recorder uploads: the visible tab when the step was recorded.
  const screenshot = await page.screenshot({ type: 'jpeg', quality: 70 });
  await page.close();
  return { step: captured as Record<string, unknown>, screenshot };
}

let ownerBrowser: ExtensionBrowser;

beforeAll(async () => {
  const info = stackInfo();
  shop = await startShop({});
  outDir = mkdtempSync(join(tmpdir(), 'flowlens-walk-ext-'));
  extDir = await buildExtension({ outDir, supabaseUrl: info.apiUrl, anonKey: info.anonKey, grantOrigins: ['http://127.0.0.1'] });
  [owner, other] = await Promise.all([createTestUser('walk-owner'), createTestUser('walk-other')]);
  ownerBrowser = await launchWithExtension(extDir);
  browsers.push(ownerBrowser);
  const subscribe = await recordSubscribe(ownerBrowser);
  await withDb(async (db) => {
    orgId = (await insertRow(db, 'organizations', { name: 'Walk org', created_by: owner.id })).id as string;
    await insertRow(db, 'organization_members', { organization_id: orgId, user_id: owner.id, role: 'owner' });
    siteId = (await insertRow(db, 'sites', { organization_id: orgId, name: 'Lumen Supply', base_url: shop.url, is_local: true })).id as string;
    otherOrgId = (await insertRow(db, 'organizations', { name: 'Other walk org', created_by: other.id })).id as string;
    await insertRow(db, 'organization_members', { organization_id: otherOrgId, user_id: other.id, role: 'owner' });
    await insertRow(db, 'sites', { organization_id: otherOrgId, name: 'Same shop, other org', base_url: shop.url, is_local: true });

    flow.checkout = await seedFlow(db, 'Checkout', `${shop.url}/products/brass-desk-lamp`, checkoutSteps(shop.url));
    const subscribeStep = { action: 'click', label: 'Click "Subscribe"', data: subscribe.step };
    flow.healed = await seedFlow(db, 'Subscribe (renamed)', `${shop.url}/__fixture/healing?mutation=renamed-ids,text-tweak`, [subscribeStep]);
    flow.removed = await seedFlow(db, 'Subscribe (removed)', `${shop.url}/__fixture/healing?mutation=removed`, [{ ...subscribeStep, screenshot_path: `${siteId}/walkthrough/subscribe.jpg` }]);
    flow.hostile = await seedFlow(db, 'Hostile button', `${shop.url}/__fixture/hostile`, [
      { action: 'click', label: `Click ${HOSTILE_MESSAGE}`, data: { selectors: [{ kind: 'id', value: 'hostile-button' }] } },
    ]);

    const inFrame = (testid: string) => ({ selectors: [{ kind: 'testid', value: testid }], frame: [0] });
    flow.iframe = await seedFlow(db, 'Contact form in an iframe', `${shop.url}/__fixture/iframe`, [
      { action: 'input', label: 'Enter your name', data: { ...inFrame('contact-name'), value: 'Ada' } },
      { action: 'input', label: 'Enter your email', data: { ...inFrame('contact-email'), value: 'ada@example.com' } },
      { action: 'input', label: 'Write the message', data: { ...inFrame('contact-message'), value: 'Hello there' } },
      { action: 'click', label: 'Click "Send message"', data: inFrame('contact-submit') },
      { action: 'assert', label: 'See it sent', data: { assertion: 'textVisible', value: 'Message sent from the embedded form by Ada.' } },
    ]);

    flow.busy = await seedFlow(db, 'Missing button on a busy page', `${shop.url}/__fixture/many?count=20000`, [
      {
        action: 'click',
        label: 'Click "Load more"',
        data: {
          selectors: [{ kind: 'testid', value: 'load-more' }, { kind: 'text', value: 'Load more' }],
          element: { tag: 'button', role: 'button', name: 'Load more', text: 'Load more', attributes: { type: 'button' }, ancestors: [{ tag: 'main', classes: [] }] },
        },
      },
    ]);

    flow.scroll = await seedFlow(db, 'Scroll to the footer', `${shop.url}/`, [
      { action: 'scroll', label: 'Scroll down to the footer', data: { y: 2000 } },
      { action: 'click', label: 'Click "Shipping & returns"', data: tid('footer-shipping') },
    ]);

    const run = (await insertRow(db, 'crawl_runs', { site_id: siteId, trigger: 'manual', status: 'completed' })).id as string;
    bugId = (
      await insertRow(db, 'bugs', {
        site_id: siteId,
        fingerprint: `v1:walk-${Math.random().toString(36).slice(2)}`,
        fingerprint_version: '1',
        type: 'flow_broken',
        severity: 'P0',
        status: 'active',
        title: 'Checkout is broken: "Place order" never becomes clickable',
        message: 'Timeout 10000ms exceeded: [data-testid=place-order] is disabled',
        url_template: '/checkout',
        page_url: `${shop.url}/checkout`,
        selector: 'testid=place-order',
        flow_id: flow.checkout,
        step_index: PLACE_ORDER,
        viewports: ['desktop'],
      })
    ).id as string;
    await insertRow(db, 'bug_occurrences', {
      bug_id: bugId,
      site_id: siteId,
      run_id: run,
      viewport: 'desktop',
      page_url: `${shop.url}/checkout`,
      evidence: { console: ['Uncaught SyntaxError: "undefined" is not valid JSON'], request: { method: 'POST', url: `${shop.url}/api/orders`, status: 500 } },
    });
  });
  await signInBackground(ownerBrowser.sw, info, owner.email, owner.password);
  // The recorded screenshot, uploaded as the recorder does (the owner's session, the site's folder).
  const asOwner = supabaseClient(info);
  await asOwner.auth.signInWithPassword({ email: owner.email, password: owner.password });
  const up = await asOwner.storage.from('screenshots').upload(`${siteId}/walkthrough/subscribe.jpg`, subscribe.screenshot, { contentType: 'image/jpeg', upsert: true });
  if (up.error) throw new Error(`screenshot upload: ${up.error.message}`);
}, 240_000);

afterAll(async () => {
  for (const b of browsers) await b.close();
  await shop?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

interface WalkSnapshot {
  loaded: boolean;
  host: boolean;
  kind: string | null;
  index: number | null;
  text: string;
  ring: { hidden: boolean; x: number; y: number; w: number; h: number } | null;
  doIt: { disabled: boolean; x: number; y: number } | null;
  confidence: number | null;
  cardFont: string | null;
  html: string;
  crop: { hidden: boolean; src: string; loaded: boolean; w: number; h: number } | null;
}

const SNAPSHOT = `() => {
  const loaded = !!globalThis.__flowlensWalkthrough;
  const host = document.querySelector('flowlens-walkthrough');
  if (!host) return { loaded, host: false, kind: null, index: null, text: '', ring: null, doIt: null, confidence: null, cardFont: null, html: '', crop: null };
  const root = chrome.dom.openOrClosedShadowRoot(host);
  const card = root.querySelector('.card');
  const ringEl = root.querySelector('.ring');
  const r = ringEl.getBoundingClientRect();
  const d = root.querySelector('.do-it');
  const dr = d ? d.getBoundingClientRect() : null;
  const healed = root.querySelector('.healed-note');
  const cropEl = root.querySelector('.crop');
  const img = cropEl && cropEl.querySelector('img');
  const cr = cropEl ? cropEl.getBoundingClientRect() : null;
  return {
    crop: cropEl ? { hidden: cropEl.hidden, src: img.src, loaded: img.complete && img.naturalWidth > 0, w: cr.width, h: cr.height } : null,
    loaded, host: true, kind: card.dataset.kind ?? null, index: card.dataset.index !== undefined ? Number(card.dataset.index) : null,
    text: card.textContent,
    ring: { hidden: ringEl.hidden, x: r.left + 4, y: r.top + 4, w: r.width - 8, h: r.height - 8 },
    doIt: d ? { disabled: d.disabled, x: dr.left + dr.width / 2, y: dr.top + dr.height / 2 } : null,
    confidence: healed ? Number(healed.dataset.confidence) : null,
    cardFont: getComputedStyle(card).fontSize,
    html: card.innerHTML,
  };
}`;

async function snap(page: Page): Promise<WalkSnapshot | null> {
  const r = await inIsolatedWorld<WalkSnapshot>(page, SNAPSHOT);
  return r.present ? r.value : null;
}

async function snapWhen(page: Page, what: string, ok: (s: WalkSnapshot) => boolean, timeoutMs = 15_000): Promise<WalkSnapshot> {
  let last: WalkSnapshot | null = null;
  try {
    return await waitFor(what, async () => {
      last = await snap(page).catch(() => null);
      return last && ok(last) ? last : null;
    }, timeoutMs);
  } catch (e) {
    throw new Error(`${(e as Error).message}\nlast: ${JSON.stringify(last, (k, v) => (k === 'html' ? undefined : v))}`, { cause: e });
  }
}

const atStep = (page: Page, index: number, kind = 'step') => snapWhen(page, `step ${index + 1} (${kind})`, (s) => s.index === index && s.kind === kind);

/** Presses "Do it for me" (inside the closed shadow root), optionally typing a secret first. */
async function doIt(page: Page, secret?: { name: string; value: string }): Promise<void> {
  const r = await inIsolatedWorld<boolean>(
    page,
    `(secret) => {
      const root = chrome.dom.openOrClosedShadowRoot(document.querySelector('flowlens-walkthrough'));
      if (secret) {
        const input = root.querySelector('input[data-secret="' + secret.name + '"]');
        input.value = secret.value;
        input.dispatchEvent(new Event('input'));
      }
      const b = root.querySelector('.do-it');
      if (!b || b.disabled) return false;
      b.click();
      return true;
    }`,
    secret ?? null,
  );
  if (!r.present || !r.value) throw new Error('"Do it for me" is not available');
}

async function pressButton(page: Page, cls: string): Promise<void> {
  const r = await inIsolatedWorld<boolean>(page, `(cls) => { const b = chrome.dom.openOrClosedShadowRoot(document.querySelector('flowlens-walkthrough')).querySelector('.' + cls); if (!b) return false; b.click(); return true; }`, cls);
  if (!r.present || !r.value) throw new Error(`no ${cls} button`);
}

/** Starts a walkthrough the way the dashboard's link does: a page of the site with the hash. */
async function startFromLink(b: ExtensionBrowser, what: string): Promise<Page> {
  const page = await b.context.newPage();
  await page.goto(`${shop.url}/about#flowlens-walkthrough=${what}`);
  return page;
}

async function storedWalk(b: ExtensionBrowser): Promise<unknown> {
  return b.sw.evaluate(async () => (await (globalThis as unknown as { chrome: { storage: { session: { get: (k: string) => Promise<Record<string, unknown>> } } } }).chrome.storage.session.get('flowlens.walkthrough'))['flowlens.walkthrough'] ?? null);
}

async function results(flowId: string): Promise<{ status: string; viewport: string; healed_steps: number[]; failed_step: number | null; organization_id: string; user_id: string; steps: { by: string }[] }[]> {
  return withDb(async (db) => (await db.query('select * from public.flow_results where flow_id = $1 and source = $2 order by finished_at', [flowId, 'walkthrough'])).rows);
}

async function stopped(b: ExtensionBrowser, page: Page): Promise<void> {
  await waitFor('the walkthrough state to be cleared', async () => (await storedWalk(b)) === null);
  await waitFor('the walkthrough UI to go', async () => {
    const s = await snap(page).catch(() => null);
    return !s || !s.host;
  });
}

describe('guided walkthrough', () => {
  it('walks the checkout with the user performing every step, and stores a passed run', async () => {
    const b = ownerBrowser;
    const page = await startFromLink(b, `flow:${flow.checkout}`);
    await waitFor('the start page', async () => page.url().includes('/products/brass-desk-lamp'));
    let s = await atStep(page, 0);
    expect(s.text).toContain('Step 1 of 13');
    expect(s.ring!.hidden).toBe(false);
    const btn = await page.locator('[data-testid=add-to-cart]').boundingBox();
    expect(Math.abs(s.ring!.x - btn!.x)).toBeLessThanOrEqual(2);
    expect(Math.abs(s.ring!.y - btn!.y)).toBeLessThanOrEqual(2);

    // A click elsewhere is not blocked; the walkthrough notes it and keeps waiting.
    await page.click('[data-testid=product-name]');
    s = await snapWhen(page, 'the off-target note', (x) => x.text.includes('not the highlighted element'));
    expect(s.index).toBe(0);

    await page.click('[data-testid=add-to-cart]');
    // The assert passes by itself once "Added" shows; the navigate step waits for the user.
    s = await atStep(page, 2);
    expect(s.text).toContain('Go to checkout');
    await page.goto(`${shop.url}/checkout`);
    await atStep(page, 3);
    const fields: [string, string][] = [
      ['checkout-email', 'ada@example.com'],
      ['checkout-name', 'Ada Lovelace'],
      ['checkout-address', '1 Analytical St'],
      ['checkout-city', 'London'],
      ['checkout-postal', 'N1 1AA'],
      ['checkout-card', '4242 4242 4242 4242'],
      ['checkout-expiry', '12/30'],
      ['checkout-cvc', '123'],
    ];
    for (const [i, [testid, value]] of fields.entries()) {
      await atStep(page, 3 + i);
      await page.fill(`[data-testid=${testid}]`, value);
      await page.press(`[data-testid=${testid}]`, 'Tab');
    }
    await atStep(page, PLACE_ORDER);
    await waitFor('Place order ready', async () => page.locator('[data-testid=place-order]').isEnabled());
    await page.click('[data-testid=place-order]');
    s = await snapWhen(page, 'the done card', (x) => x.kind === 'done', 20_000);
    expect(page.url()).toContain('/thanks');
    expect(s.text).toContain('Walkthrough complete');
    const rows = await waitFor('the outcome row', async () => {
      const r = await results(flow.checkout!);
      return r.length >= 1 ? r : null;
    });
    expect(rows[0]).toMatchObject({ status: 'passed', viewport: 'desktop', failed_step: null, organization_id: orgId, user_id: owner.id });
    expect(rows[0]!.steps.filter((x) => x.by === 'user').length).toBeGreaterThanOrEqual(10);
    await pressButton(page, 'close');
    await stopped(b, page);
    await page.close();
  }, 90_000);

  it('walks the checkout with "Do it for me", filling the card number only from what the user typed now', async () => {
    const b = ownerBrowser;
    const page = await startFromLink(b, `flow:${flow.checkout}`);
    for (let i = 0; i < 13; i++) {
      const s = await snapWhen(page, `step ${i + 1} or later`, (x) => x.kind === 'done' || (x.index !== null && x.index >= i && x.kind === 'step' && !!x.doIt && !x.doIt.disabled), 20_000);
      if (s.kind === 'done') break;
      if (s.index! > i) {
        i = s.index! - 1;
        continue;
      }
      if (i === CARD_STEP) {
        // Without the secret typed, nothing is filled.
        await doIt(page);
        await snapWhen(page, 'the ask for the secret', (x) => x.text.includes('Type CARD_NUMBER first'));
        expect(await page.inputValue('[data-testid=checkout-card]')).toBe('');
        await doIt(page, { name: 'CARD_NUMBER', value: '4242424242424242' });
      } else if (i === PLACE_ORDER) {
        await waitFor('Place order ready', async () => page.locator('[data-testid=place-order]').isEnabled());
        await doIt(page);
      } else {
        await doIt(page);
      }
    }
    await snapWhen(page, 'the done card', (x) => x.kind === 'done', 20_000);
    expect(page.url()).toContain('/thanks');
    const rows = await results(flow.checkout!);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ status: 'passed', organization_id: orgId });
    expect(rows[1]!.steps.filter((x) => x.by === 'extension').length).toBeGreaterThanOrEqual(10);
    // The typed card number is nowhere in the stored state or the outcome.
    expect(JSON.stringify(rows[1])).not.toContain('4242424242424242');
    expect(JSON.stringify(await storedWalk(b))).not.toContain('4242424242424242');
    await page.keyboard.press('Escape');
    await stopped(b, page);
    await page.close();
  }, 120_000);

  it('on a mutated page (renamed ids, changed text) the spotlight lands on the healed element, with its confidence', async () => {
    const b = ownerBrowser;
    const page = await startFromLink(b, `flow:${flow.healed}`);
    const healed = await snapWhen(page, 'the healed spotlight', (x) => x.index === 0 && x.kind === 'step' && x.confidence !== null);
    expect(healed.confidence!).toBeGreaterThanOrEqual(0.75);
    expect(healed.text).toMatch(/\d+% match/);
    const target = await page.evaluate(() => {
      // The lab's own answer: the button its inline script treats as the target.
      const r = document.querySelector('#nl-submit')!.getBoundingClientRect();
      return { x: r.left, y: r.top, w: r.width, h: r.height };
    });
    // The ring is placed on the next animation frame(s) after the step resolves: on a busy machine
    // the first snapshot can still show the previous frame, so wait for it to land (it must).
    const near = (x: { ring: { x: number; y: number; w: number } | null }) =>
      x.ring !== null && Math.abs(x.ring.x - target.x) <= 2 && Math.abs(x.ring.y - target.y) <= 2 && Math.abs(x.ring.w - target.w) <= 2;
    const s = await snapWhen(page, 'the ring on the healed element', (x) => x.index === 0 && x.kind === 'step' && near(x));
    expect(Math.abs(s.ring!.x - target.x)).toBeLessThanOrEqual(2);
    // Following scroll: the ring moves with the element.
    await page.evaluate(() => window.scrollBy(0, 40));
    const moved = await page.evaluate(() => document.querySelector('#nl-submit')!.getBoundingClientRect().top);
    await snapWhen(page, 'the ring to follow the scroll', (x) => Math.abs(x.ring!.y - moved) <= 2);
    await page.click('#nl-submit');
    await snapWhen(page, 'the done card', (x) => x.kind === 'done');
    expect(await page.evaluate(() => document.body.dataset.clicked)).toBe('target');
    const rows = await results(flow.healed!);
    expect(rows[0]).toMatchObject({ status: 'passed', healed_steps: [0] });
    await page.keyboard.press('Escape');
    await stopped(b, page);
    await page.close();
  }, 60_000);

  it('with the element removed: the expected-element card, nothing highlighted, and a failed run when stopped', async () => {
    const b = ownerBrowser;
    const page = await startFromLink(b, `flow:${flow.removed}`);
    const s = await snapWhen(page, 'the expected-element card', (x) => x.kind === 'expected');
    expect(s.ring!.hidden).toBe(true);
    expect(s.text).toContain('cannot find this element');
    expect(s.text).toContain('Click "Subscribe"');
    expect(s.text).toContain('Selectors tried');
    expect(s.doIt!.disabled).toBe(true);
    // The recorded screenshot, through a short-lived signed Storage URL, cropped around the element.
    const c = await snapWhen(page, 'the recorded screenshot crop', (x) => !!x.crop && !x.crop.hidden && x.crop.loaded);
    expect(c.crop!.src).toContain('/storage/v1/object/sign/screenshots/');
    expect(c.crop!.w).toBeGreaterThan(50);
    expect(c.crop!.h).toBeGreaterThan(20);
    expect(c.crop!.h).toBeLessThanOrEqual(202);
    await pressButton(page, 'stop');
    await stopped(b, page);
    expect(await page.evaluate(() => (window as unknown as { __labClicks: string[] }).__labClicks)).toEqual([]);
    const rows = await waitFor('the failed row', async () => {
      const r = await results(flow.removed!);
      return r.length ? r : null;
    });
    expect(rows[0]).toMatchObject({ status: 'failed', failed_step: 0, organization_id: orgId });
    await page.close();
  }, 60_000);

  it("a bug's walkthrough (the dashboard's link) stops at the failing step and shows what went wrong", async () => {
    const b = ownerBrowser;
    shop.updateDefects({ enable: ['checkout-button-broken'] });
    try {
      const page = await startFromLink(b, `bug:${bugId}`);
      for (let i = 0; i < PLACE_ORDER; i++) {
        const s = await snapWhen(page, `step ${i + 1} or later`, (x) => x.kind === 'bug' || (x.index !== null && x.index >= i && x.kind === 'step' && !!x.doIt && !x.doIt.disabled), 20_000);
        if (s.kind === 'bug') break;
        if (s.index! > i) {
          i = s.index! - 1;
          continue;
        }
        await doIt(page, i === CARD_STEP ? { name: 'CARD_NUMBER', value: '4242424242424242' } : undefined);
      }
      const s = await snapWhen(page, 'the bug card', (x) => x.kind === 'bug' && x.index === PLACE_ORDER, 20_000);
      expect(s.text).toContain('This is where the flow broke');
      expect(s.text).toContain('[data-testid=place-order] is disabled');
      expect(s.text).toContain('"undefined" is not valid JSON');
      expect(s.text).toContain('POST');
      // The broken button is spotlighted (it is there, disabled).
      expect(s.ring!.hidden).toBe(false);
      // It stays there: no advancing past the bug's step by itself.
      await new Promise((r) => setTimeout(r, 800));
      expect((await snap(page))!.kind).toBe('bug');
      await pressButton(page, 'stop');
      await stopped(b, page);
      await page.close();
    } finally {
      shop.updateDefects({ disable: ['checkout-button-broken'] });
    }
  }, 120_000);

  it('hostile page CSS cannot break the spotlight or the card', async () => {
    const b = ownerBrowser;
    const page = await startFromLink(b, `flow:${flow.hostile}`);
    const s = await snapWhen(page, 'the spotlight', (x) => x.kind === 'step' && !x.ring!.hidden);
    const r = await page.locator('#hostile-button').boundingBox();
    expect(Math.abs(s.ring!.x - r!.x)).toBeLessThanOrEqual(2);
    expect(Math.abs(s.ring!.y - r!.y)).toBeLessThanOrEqual(2);
    expect(Math.abs(s.ring!.w - r!.width)).toBeLessThanOrEqual(2);
    expect(s.cardFont).toBe('13px');
    // A label a page wrote is text, never HTML.
    expect(s.text).toContain(`Click ${HOSTILE_MESSAGE}`);
    expect(s.html).not.toMatch(/<(img|script|svg|iframe)/i);
    // A real mouse click on "Do it for me" reaches the card through the page's click catcher.
    const clicksBefore = await page.locator('[data-testid=hostile-clicks]').textContent();
    await page.mouse.click(s.doIt!.x, s.doIt!.y);
    await snapWhen(page, 'the done card', (x) => x.kind === 'done');
    expect(await page.locator('[data-testid=hostile-clicks]').textContent()).toBe(clicksBefore);
    expect(await page.evaluate(() => (window as unknown as { __flowlensXss?: unknown }).__flowlensXss)).toBeUndefined();
    await page.keyboard.press('Escape');
    await stopped(b, page);
    await page.close();
  }, 60_000);

  it('steps inside a same-origin iframe: spotlight in page coordinates, user input and "Do it for me" inside the frame', async () => {
    const b = ownerBrowser;
    const page = await startFromLink(b, `flow:${flow.iframe}`);
    const s = await snapWhen(page, 'the spotlight in the frame', (x) => x.kind === 'step' && x.index === 0 && !x.ring!.hidden);
    const frame = page.frameLocator('[data-testid=contact-frame]');
    const box = await frame.locator('[data-testid=contact-name]').boundingBox();
    expect(Math.abs(s.ring!.x - box!.x)).toBeLessThanOrEqual(2);
    expect(Math.abs(s.ring!.y - box!.y)).toBeLessThanOrEqual(2);
    await frame.locator('[data-testid=contact-name]').fill('Ada');
    await frame.locator('[data-testid=contact-name]').press('Tab');
    await atStep(page, 1);
    await doIt(page);
    await atStep(page, 2);
    await doIt(page);
    await atStep(page, 3);
    await doIt(page);
    await snapWhen(page, 'the done card', (x) => x.kind === 'done');
    expect(await page.getByTestId('parent-status').textContent()).toBe('Message sent from the embedded form by Ada.');
    expect(await frame.locator('[data-testid=contact-message]').inputValue()).toBe('Hello there');
    await page.keyboard.press('Escape');
    await stopped(b, page);
    await page.close();
  }, 60_000);

  it('backs off on a 20,000-element page where the element is missing: spaced resolutions, not one every 250 ms', async () => {
    const b = ownerBrowser;
    const page = await startFromLink(b, `flow:${flow.busy}`);
    await snapWhen(page, 'the expected-element card', (x) => x.kind === 'expected', 20_000);
    // Long tasks over 6 s while the guide keeps looking for the element on a DOM that keeps changing.
    // One resolution on this page takes a few hundred ms (core's text selector scans every element),
    // so each retry shows up as one long task.
    const tasks = await page.evaluate(
      () =>
        new Promise<number[]>((resolve) => {
          const seen: number[] = [];
          new PerformanceObserver((list) => {
            for (const e of list.getEntries()) seen.push(Math.round(e.duration));
          }).observe({ type: 'longtask' });
          const t = setInterval(() => document.querySelector('[data-testid=many-grid]')?.setAttribute('data-tick', String(Date.now())), 50);
          setTimeout(() => {
            clearInterval(t);
            resolve(seen);
          }, 6000);
        }),
    );
    console.log(`busy page: long tasks (ms) in 6 s while the expected card waits: ${JSON.stringify(tasks)}`);
    const busy = tasks.reduce((a, d) => a + d, 0);
    // Spaced at 20× their own cost: about 5% of the main thread (without the back-off: ~40%, 20+ tasks).
    expect(busy).toBeLessThan(900);
    expect(tasks.length).toBeLessThanOrEqual(6);
    expect((await snap(page))!.kind).toBe('expected');
    await page.keyboard.press('Escape');
    await stopped(b, page);
    await page.close();
  }, 60_000);

  it('a scroll step completes when the user scrolls; a link click that navigates completes its step before the page goes', async () => {
    const b = ownerBrowser;
    const page = await startFromLink(b, `flow:${flow.scroll}`);
    await atStep(page, 0);
    await page.mouse.move(640, 400);
    await page.waitForTimeout(400);
    await page.mouse.wheel(0, 1500);
    await waitFor('the page to scroll', async () => (await page.evaluate(() => window.scrollY)) > 0);
    await atStep(page, 1);
    await page.click('[data-testid=footer-shipping]');
    await waitFor('the shipping page', async () => page.url().endsWith('/shipping'));
    await snapWhen(page, 'the done card on the next page', (x) => x.kind === 'done');
    const rows = await results(flow.scroll!);
    expect(rows[0]).toMatchObject({ status: 'passed' });
    expect(rows[0]!.steps.map((x) => x.by)).toEqual(['user', 'user']);
    await page.keyboard.press('Escape');
    await stopped(b, page);
    await page.close();
  }, 60_000);

  it('Esc ends it cleanly across navigations: nothing comes back on the next page', async () => {
    const b = ownerBrowser;
    const page = await startFromLink(b, `flow:${flow.checkout}`);
    await atStep(page, 0);
    await doIt(page);
    await atStep(page, 2);
    await doIt(page); // navigates to /checkout
    await atStep(page, 3);
    expect(page.url()).toContain('/checkout');
    await page.keyboard.press('Escape');
    await stopped(b, page);
    await page.goto(`${shop.url}/cart`);
    await page.waitForLoadState('load');
    await new Promise((r) => setTimeout(r, 500));
    const s = await snap(page);
    expect(s?.host ?? false).toBe(false);
    // Stopped on a working step: abandoning is not a failure, so no new row.
    expect((await results(flow.checkout!)).every((x) => x.status === 'passed')).toBe(true);
    await page.close();
  }, 60_000);

  it('the side panel\'s "Walk through" starts it in the panel\'s tab', async () => {
    const b = ownerBrowser;
    const page = await b.context.newPage();
    await page.goto(`${shop.url}/`);
    const tabId = await b.sw.evaluate(async (url) => {
      const c = (globalThis as unknown as { chrome: { tabs: { query: (q: object) => Promise<{ id?: number; url?: string }[]> } } }).chrome;
      return (await c.tabs.query({})).find((t) => t.url === url)?.id ?? -1;
    }, `${shop.url}/`);
    expect(tabId).toBeGreaterThan(0);
    const panel = await b.context.newPage();
    await panel.goto(`chrome-extension://${new URL(b.sw.url()).host}/sidepanel.html?tabId=${tabId}`);
    const item = panel.getByTestId('saved-flow').filter({ hasText: 'Subscribe (renamed)' });
    await item.getByTestId('walk-through').click();
    await waitFor('the panel\'s tab to go to the flow', async () => {
      const err = await panel.getByTestId('panel-error').textContent({ timeout: 50 }).catch(() => null);
      if (err) throw new Error(`panel error: ${err}`);
      return page.url().includes('/__fixture/healing');
    });
    const s = await snapWhen(page, 'the walkthrough in the panel\'s tab', (x) => x.kind === 'step' && x.index === 0);
    expect(page.url()).toContain('/__fixture/healing');
    expect(s.ring!.hidden).toBe(false);
    await page.keyboard.press('Escape');
    await stopped(b, page);
    await panel.close();
    await page.close();
  }, 60_000);

  it('the overlay\'s "Reproduce in my browser" on a flow_broken bug walks this tab to the flow', async () => {
    const b = ownerBrowser;
    const origin = new URL(shop.url).origin;
    await waitFor('the overlay registration', async () => (await registeredMatches(b.sw)).includes(`${origin}/*`));
    const page = await b.context.newPage();
    await page.goto(`${shop.url}/checkout`);
    const badge = await waitFor('the overlay badge', async () => (await overlaySnapshot(page))?.badge ?? null);
    await page.mouse.click(badge.x, badge.y);
    const o = await waitFor('the bug in the overlay panel', async () => {
      const x = await overlaySnapshot(page);
      return x?.items.find((i) => i.id === bugId && i.buttons.some((bt) => bt.cls === 'reproduce')) ?? null;
    });
    const btn = o.buttons.find((bt) => bt.cls === 'reproduce')!;
    await page.mouse.click(btn.x, btn.y);
    await waitFor('the start page', async () => page.url().includes('/products/brass-desk-lamp'));
    await atStep(page, 0);
    await page.keyboard.press('Escape');
    await stopped(b, page);
    await page.close();
  }, 60_000);

  it('survives a sleeping service worker mid-walkthrough, and records the viewport it ran on (mobile)', async () => {
    const b = await launchWithExtension(extDir, { width: 375, height: 812 });
    browsers.push(b);
    await signInBackground(b.sw, stackInfo(), owner.email, owner.password);
    const extensionOrigin = `chrome-extension://${new URL(b.sw.url()).host}/`;
    const worker = () => b.context.serviceWorkers().find((w) => w.url().startsWith(extensionOrigin)) ?? b.sw;
    const page = await startFromLink(b, `flow:${flow.checkout}`);
    await atStep(page, 0);
    await doIt(page);
    await atStep(page, 2);
    // Stop the worker as Chrome does when idle; the next page load must wake a new one that finds the walkthrough.
    await worker().evaluate(() => ((globalThis as { __walkMarker?: number }).__walkMarker = 1));
    const cdp = await b.context.newCDPSession(page);
    const { targetInfos } = (await cdp.send('Target.getTargets')) as { targetInfos: { targetId: string; type: string; url: string }[] };
    const target = targetInfos.find((t) => t.type === 'service_worker' && t.url.startsWith(extensionOrigin));
    expect(target, JSON.stringify(targetInfos.map((t) => [t.type, t.url]))).toBeDefined();
    await cdp.send('Target.closeTarget', { targetId: target!.targetId });
    await cdp.detach();
    await page.waitForTimeout(500);
    await doIt(page); // navigate to /checkout: a fresh worker injects the guide there
    const s = await atStep(page, 3);
    expect(s.text).toContain('Step 4 of 13');
    await waitFor('a new service worker', async () => (await worker().evaluate(() => (globalThis as { __walkMarker?: number }).__walkMarker).catch(() => 1)) === undefined);
    await page.keyboard.press('Escape');
    await waitFor('the walkthrough UI to go', async () => !((await snap(page))?.host ?? false));

    const hostile = await startFromLink(b, `flow:${flow.hostile}`);
    await snapWhen(hostile, 'the spotlight', (x) => x.kind === 'step' && !x.ring!.hidden);
    await doIt(hostile);
    await snapWhen(hostile, 'the done card', (x) => x.kind === 'done');
    const rows = await waitFor('the mobile row', async () => (await results(flow.hostile!)).find((r) => r.viewport === 'mobile') ?? null);
    expect(rows).toMatchObject({ status: 'passed', viewport: 'mobile', organization_id: orgId });
    await hostile.keyboard.press('Escape');
  }, 90_000);

  it('outcome rows belong to the flow\'s organisation only: another user neither sees them nor can start or record one', async () => {
    const db = supabaseClient(stackInfo());
    const { error: signInError } = await db.auth.signInWithPassword({ email: other.email, password: other.password });
    expect(signInError).toBeNull();
    const seen = await db.from('flow_results').select('id').eq('flow_id', flow.checkout!);
    expect(seen.error).toBeNull();
    expect(seen.data).toEqual([]);
    const forged = await db.from('flow_results').insert({ site_id: siteId, flow_id: flow.checkout, flow_version: 1, viewport: 'desktop', source: 'walkthrough', status: 'passed', user_id: other.id });
    expect(forged.error).not.toBeNull();
    const all = await withDb(async (d) => (await d.query('select organization_id from public.flow_results where flow_id = any($1)', [[flow.checkout, flow.healed, flow.removed, flow.hostile, flow.iframe, flow.busy, flow.scroll]])).rows as { organization_id: string }[]);
    expect(all.length).toBeGreaterThanOrEqual(5);
    expect(all.every((r) => r.organization_id === orgId)).toBe(true);

    // The other user's extension cannot walk through this org's flow, even with the link.
    const ob = await launchWithExtension(extDir);
    browsers.push(ob);
    await signInBackground(ob.sw, stackInfo(), other.email, other.password);
    const page = await startFromLink(ob, `bug:${bugId}`);
    await new Promise((r) => setTimeout(r, 1500));
    expect(page.url()).toContain('/about');
    expect(await storedWalk(ob)).toBeNull();
    expect((await snap(page))?.host ?? false).toBe(false);
  }, 60_000);
});
