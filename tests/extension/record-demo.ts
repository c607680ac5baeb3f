/**
 * Records the demo's two flows (issue 8) with the built extension in real Chromium, the way a
 * person would in the side panel, and writes them where `npm start` seeds them from:
 *
 *   tests/fixtures/shop/flows/checkout.json  "Checkout" (critical): home → product → add to cart →
 *                                              cart → checkout form → place order → thank-you page
 *   tests/fixtures/shop/flows/signup.json    "Sign up": /signup form → account page
 *
 * Needs a running local stack (its URL and anon key are read from the stack folder, selected like
 * every stack command by FLOWLENS_STACK_DIR / FLOWLENS_STACK_PORT_BASE):
 *
 *   FLOWLENS_STACK_DIR=$PWD/.stack-demo FLOWLENS_STACK_PORT_BASE=58321 npx tsx stack/src/cli.ts start
 *   FLOWLENS_STACK_DIR=$PWD/.stack-demo FLOWLENS_STACK_PORT_BASE=58321 npx tsx tests/extension/record-demo.ts
 *
 * What it does: starts the fixture shop (clean), builds the extension against the stack, signs a
 * throwaway user up, opens the side panel for the shop's tab, signs in, adds the shop as a site,
 * records each flow (Record → steps in the page → Stop → an assertion added in the panel → name,
 * critical → Save), then exports it with the panel's "Export FlowLens JSON" button.
 *
 * The export is cleaned for a fixture: the ids of the throwaway flow, site and steps and the
 * recording-time screenshot paths (which only exist in the throwaway stack) are dropped, and the
 * shop's origin becomes http://shop.example.com (scripts/demo.ts puts the real shop URL back).
 *
 * Sign-up and replays: the sign-up types a fixed email and the password DEMO_CUSTOMER.password,
 * which the recorder stores as {{secret:PASSWORD}} (the demo keeps that value as the site's
 * encrypted credential PASSWORD). The shop answers a second sign-up with the same email and the
 * same password by signing that customer in (tests/fixtures/shop/api.ts), so the flow replays on
 * every viewport and every night without a unique email; only a different password gets a 409.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFlow, type Flow } from '@flowlens/core';
import type { Page } from 'playwright';
import { createTestUser } from '@flowlens/stack/testing';
import { Stack } from '../../stack/src/stack.ts';
import { DEMO_CUSTOMER, startShop, type Shop } from '../fixtures/index.ts';
import { buildExtension, REPO_ROOT } from './overlay-build.ts';
import { launchWithExtension, recorderState, tabIdFor, waitFor, type ExtensionBrowser } from './overlay-harness.ts';

export const RECORDED_ORIGIN = 'http://shop.example.com';
export const FLOWS_DIR = join(REPO_ROOT, 'tests', 'fixtures', 'shop', 'flows');
/** The address the sign-up flow types: one fixed customer, signed in again on every later replay. */
export const SIGNUP_EMAIL = 'new.customer@lumen.test';

const TYPED = { name: 'Ada Lovelace', email: 'ada@lumen.test', address: '1 Analytical St', city: 'London', postal: 'N1 9GU', card: '4242 4242 4242 4242', expiry: '12/30', cvc: '123' };

interface Session {
  browser: ExtensionBrowser;
  shop: Shop;
  panel: Page;
  site: Page;
}

/** Waits until the recorder holds `n` steps, so the next navigation cannot overtake a step in flight. */
async function untilSteps(s: Session, n: number): Promise<void> {
  await waitFor(`${n} recorded steps`, async () => ((await recorderState(s.browser.sw)).draft?.steps.length ?? 0) >= n, 10_000);
}

async function stepLabels(panel: Page): Promise<string[]> {
  return panel.locator('[data-testid=step] [data-testid=step-label]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).value));
}

async function panelText(panel: Page, testId: string): Promise<string> {
  return (await panel.getByTestId(testId).count()) > 0 ? ((await panel.getByTestId(testId).first().textContent()) ?? '') : '';
}

/** Record → `drive` the page → Stop. Starts from wherever the site tab is. */
async function record(s: Session, drive: () => Promise<void>): Promise<void> {
  await s.panel.bringToFront();
  await s.panel.getByTestId('record').click();
  await s.panel.getByTestId('stop').waitFor();
  await s.site.bringToFront();
  await waitFor('the recorder in the page', async () => (await recorderState(s.browser.sw)).recording);
  await s.site.waitForTimeout(500);
  await drive();
  await s.site.waitForTimeout(800);
  await s.panel.bringToFront();
  await s.panel.getByTestId('stop').click();
  await s.panel.getByTestId('record').waitFor();
}

/** An assertion added in the panel, the name and criticality set, Save, then the panel's export. */
async function finishAndExport(s: Session, opts: { name: string; critical: boolean; assertion: { kind: 'textVisible' | 'urlContains'; value: string; label: string } }): Promise<Flow> {
  const { panel } = s;
  await panel.getByTestId('assert-kind').selectOption(opts.assertion.kind);
  await panel.getByTestId('assert-text').fill(opts.assertion.value);
  await panel.getByTestId('assert-add').click();
  await waitFor(`the assertion "${opts.assertion.label}"`, async () => (await stepLabels(panel)).at(-1) === opts.assertion.label);
  await panel.getByTestId('flow-name').fill(opts.name);
  await panel.getByTestId('flow-name').press('Enter');
  const draft = (await recorderState(s.browser.sw)).draft;
  if (draft?.critical !== opts.critical) await panel.getByTestId('flow-critical').click();
  await waitFor('name and criticality in the draft', async () => {
    const d = (await recorderState(s.browser.sw)).draft;
    return d?.name === opts.name && d.critical === opts.critical;
  });
  await panel.getByTestId('save').click();
  await waitFor(`"${opts.name}" saved`, async () => {
    const error = await panelText(panel, 'panel-error');
    if (error) throw new Error(`the side panel says: ${error}`);
    return (await panelText(panel, 'panel-notice')).includes(`Saved "${opts.name}"`);
  }, 30_000);

  const [download] = await Promise.all([panel.waitForEvent('download'), panel.getByTestId('export-flowlens').click()]);
  const dir = mkdtempSync(join(tmpdir(), 'flowlens-demo-export-'));
  try {
    const file = join(dir, download.suggestedFilename());
    await download.saveAs(file);
    return parseFlow(JSON.parse(readFileSync(file, 'utf8')));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The exported flow as a fixture: no ids or screenshots of the throwaway stack, the neutral origin. */
export function asFixture(flow: Flow, shopUrl: string): string {
  const clean = parseFlow({
    ...flow,
    id: undefined,
    siteId: undefined,
    steps: flow.steps.map((step) => ({ ...step, id: undefined, screenshot: undefined })),
  });
  const json = JSON.stringify(clean, null, 2).replaceAll(shopUrl, RECORDED_ORIGIN);
  if (json.includes('127.0.0.1') || json.includes('localhost')) throw new Error('the exported flow still names a local address');
  return `${json}\n`;
}

async function recordCheckout(s: Session): Promise<Flow> {
  const { site } = s;
  await site.goto(`${s.shop.url}/`);
  await record(s, async () => {
    await site.getByTestId('hero-cta').click();
    await site.waitForURL('**/products');
    await site.locator('[data-testid=product-card-brass-desk-lamp] a').first().click();
    await site.waitForURL('**/products/brass-desk-lamp');
    await untilSteps(s, 2);
    await site.getByTestId('add-to-cart').click();
    await site.getByText('Added', { exact: false }).first().waitFor();
    await site.getByTestId('nav-cart').click();
    await site.waitForURL('**/cart');
    await site.getByTestId('checkout-link').click();
    await site.waitForURL('**/checkout');
    await untilSteps(s, 5);
    await site.getByTestId('checkout-email').fill(TYPED.email);
    await site.getByTestId('checkout-name').fill(TYPED.name);
    await site.getByTestId('checkout-address').fill(TYPED.address);
    await site.getByTestId('checkout-city').fill(TYPED.city);
    await site.getByTestId('checkout-postal').fill(TYPED.postal);
    await site.getByTestId('checkout-card').fill(TYPED.card);
    await site.getByTestId('checkout-expiry').fill(TYPED.expiry);
    await site.getByTestId('checkout-cvc').fill(TYPED.cvc);
    const place = site.getByRole('button', { name: /Place order/ });
    await waitFor('"Place order" enabled', () => place.isEnabled());
    await place.click();
    await site.waitForURL('**/thanks**');
    await site.getByText('Thank you for your order').waitFor();
  });
  return finishAndExport(s, {
    name: 'Checkout',
    critical: true,
    assertion: { kind: 'textVisible', value: 'Thank you for your order', label: "Check 'Thank you for your order' is visible" },
  });
}

async function recordSignup(s: Session): Promise<Flow> {
  const { site, panel } = s;
  // A fresh flow for the sign-up, starting on the sign-up page in a shop session with no customer.
  await panel.bringToFront();
  await panel.getByTestId('new-flow').click();
  await panel.getByTestId('record').waitFor();
  await s.browser.context.clearCookies();
  await site.goto(`${s.shop.url}/signup`);
  await record(s, async () => {
    await site.getByLabel('Email').fill(SIGNUP_EMAIL);
    await site.getByLabel('Password', { exact: true }).fill(DEMO_CUSTOMER.password);
    await site.getByLabel('Confirm password').fill(DEMO_CUSTOMER.password);
    await site.getByLabel(/I agree to the terms/).check();
    await site.getByRole('button', { name: 'Create account' }).click();
    await site.waitForURL('**/account');
    await site.getByText(`Signed in as ${SIGNUP_EMAIL}`).waitFor();
    await untilSteps(s, 5);
  });
  return finishAndExport(s, {
    name: 'Sign up',
    critical: false,
    assertion: { kind: 'textVisible', value: `Signed in as ${SIGNUP_EMAIL}`, label: `Check 'Signed in as ${SIGNUP_EMAIL}' is visible` },
  });
}

async function main(): Promise<void> {
  const info = new Stack({}, () => {}).info();
  if (!Object.values(info.processes).every((p) => p.running)) {
    throw new Error(`The stack in ${info.dir} is not running. Start it: FLOWLENS_STACK_DIR=${info.dir} npx tsx stack/src/cli.ts start`);
  }
  const shop = await startShop({});
  const outDir = mkdtempSync(join(tmpdir(), 'flowlens-record-demo-'));
  let browser: ExtensionBrowser | undefined;
  try {
    const extDir = await buildExtension({ outDir, supabaseUrl: info.apiUrl, anonKey: info.anonKey, grantOrigins: ['http://127.0.0.1'] });
    const user = await createTestUser('demo-recorder', info);
    const { error } = await user.client.rpc('create_organization', { org_name: 'Demo recordings' });
    if (error) throw new Error(error.message);
    browser = await launchWithExtension(extDir);
    const extensionId = new URL(browser.sw.url()).host;

    const site = await browser.context.newPage();
    await site.goto(`${shop.url}/`);
    const tabId = await tabIdFor(browser.sw, shop.url);
    if (tabId < 0) throw new Error('the shop tab is not visible to the extension');
    const panel = await browser.context.newPage();
    await panel.goto(`chrome-extension://${extensionId}/sidepanel.html?tabId=${tabId}`);
    await panel.getByTestId('signin-email').fill(user.email);
    await panel.getByTestId('signin-password').fill(user.password);
    await panel.getByTestId('signin-submit').click();
    await panel.getByTestId('signed-in-as').waitFor();
    await panel.getByTestId('add-site').click();
    await panel.getByTestId('site-select').waitFor();

    const s: Session = { browser, shop, panel, site };
    const checkout = await recordCheckout(s);
    const signup = await recordSignup(s);

    mkdirSync(FLOWS_DIR, { recursive: true });
    for (const [file, flow] of [['checkout.json', checkout], ['signup.json', signup]] as const) {
      writeFileSync(join(FLOWS_DIR, file), asFixture(flow, shop.url));
      console.log(`${join('tests/fixtures/shop/flows', file)}: "${flow.name}"${flow.critical ? ' (critical)' : ''}, ${flow.steps.length} steps`);
      for (const [i, step] of flow.steps.entries()) console.log(`  ${String(i + 1).padStart(2)}. ${step.action.padEnd(8)} ${step.label ?? ''}`);
    }
  } finally {
    await browser?.close();
    await shop.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e);
    process.exit(1);
  },
);
