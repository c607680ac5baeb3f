/**
 * Storing a secret's value for replays (issue 4) in real Chromium with the built extension, against
 * the test stack: a saved flow with {{secret:PASSWORD}} asks once for the value, the `credentials`
 * function stores it encrypted so that the crawler's own decryptCredential reads it back, and the
 * value is in no other table, in no extension storage and in no log. A plain member is told, in a
 * sentence, that only owners and admins can store values; a refused limit (429) shows the server's
 * own sentence (issue 14).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { flowToSavePayload, parseFlow } from '@flowlens/core';
import type { Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, stackInfo, withDb, type TestUser } from '@flowlens/stack/testing';
import { TEST_STACK } from '../../stack/src/testing/config.ts';
import { loadOrCreateSecrets } from '../../stack/src/secrets.ts';
import { decryptCredential } from '@flowlens/core';
import { startShop, type Shop } from '../fixtures/index.ts';
import { insertRow } from '../database/world.ts';
import { buildExtension } from './overlay-build.ts';
import { launchWithExtension, signInBackground, type ExtensionBrowser } from './overlay-harness.ts';

const FLOW_NAME = 'Sign in with a stored password';
const VALUE = `Pw-${Math.random().toString(36).slice(2)}-ünï`;

let shop: Shop;
let outDir: string;
let browser: ExtensionBrowser;
let owner: TestUser;
let plain: TestUser;
let siteId: string;
let tabId: number;
const logs: string[] = [];

beforeAll(async () => {
  const info = stackInfo();
  shop = await startShop({});
  outDir = mkdtempSync(join(tmpdir(), 'flowlens-credentials-ext-'));
  const extDir = await buildExtension({ outDir, supabaseUrl: info.apiUrl, anonKey: info.anonKey, grantOrigins: ['http://127.0.0.1'] });
  [owner, plain] = await Promise.all([createTestUser('cred-owner'), createTestUser('cred-member')]);
  await withDb(async (db) => {
    const org = (await insertRow(db, 'organizations', { name: 'Credentials org', created_by: owner.id })).id as string;
    await insertRow(db, 'organization_members', { organization_id: org, user_id: owner.id, role: 'owner' });
    await insertRow(db, 'organization_members', { organization_id: org, user_id: plain.id, role: 'member' });
    siteId = (await insertRow(db, 'sites', { organization_id: org, name: 'Lumen Supply', base_url: shop.url, is_local: true })).id as string;
  });
  // The flow as the recorder saves it: typed passwords are placeholders.
  const flow = parseFlow({
    name: FLOW_NAME,
    startUrl: `${shop.url}/`,
    critical: true,
    steps: [
      { action: 'input', selectors: [{ kind: 'label', value: 'Email' }], value: 'owner@example.com' },
      { action: 'input', selectors: [{ kind: 'label', value: 'Password' }], value: '{{secret:PASSWORD}}', element: { tag: 'input', attributes: { type: 'password' } } },
      { action: 'input', selectors: [{ kind: 'label', value: 'PIN' }], value: '{{secret:PIN}}' },
      { action: 'click', selectors: [{ kind: 'text', value: 'Sign in' }] },
    ],
  });
  const { error } = await owner.client.rpc('save_flow', { payload: flowToSavePayload(flow, siteId, 'extension') });
  if (error) throw new Error(error.message);

  browser = await launchWithExtension(extDir);
  browser.sw.on('console', (m) => logs.push(`[sw] ${m.text()}`));
  browser.context.on('page', (p) => p.on('console', (m) => logs.push(`[page] ${m.text()}`)));
  const site = await browser.context.newPage();
  await site.goto(`${shop.url}/`);
  tabId = await browser.sw.evaluate(async (url) => {
    const c = (globalThis as unknown as { chrome: { tabs: { query: (q: object) => Promise<{ id?: number; url?: string }[]> } } }).chrome;
    return (await c.tabs.query({})).find((t) => t.url?.startsWith(url))?.id ?? -1;
  }, shop.url);
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await shop?.close();
  if (outDir) rmSync(outDir, { recursive: true, force: true });
});

async function openPanelAs(user: TestUser): Promise<Page> {
  await signInBackground(browser.sw, stackInfo(), user.email, user.password);
  const panel = await browser.context.newPage();
  await panel.goto(`chrome-extension://${new URL(browser.sw.url()).host}/sidepanel.html?tabId=${tabId}`);
  await panel.getByTestId('signed-in-as').waitFor();
  const row = panel.getByTestId('saved-flow').filter({ hasText: FLOW_NAME });
  await row.waitFor();
  await row.getByRole('button', { name: 'Open' }).click();
  await panel.getByTestId('secrets-note').waitFor();
  return panel;
}

async function extensionStorage(): Promise<string> {
  return browser.sw.evaluate(async () => {
    const c = (globalThis as unknown as { chrome: { storage: Record<'local' | 'session', { get: (k: null) => Promise<object> }> } }).chrome;
    return JSON.stringify([await c.storage.local.get(null), await c.storage.session.get(null)]);
  });
}

describe('storing a secret value for replays', () => {
  it('asks once, stores the value encrypted for the crawler, and keeps it nowhere else', async () => {
    const panel = await openPanelAs(owner);
    await panel.getByTestId('secret-value-PASSWORD').waitFor();
    expect(await panel.getByTestId('secrets-store').textContent()).toMatch(/encrypted.*only the crawler/);
    await panel.getByTestId('secret-value-PASSWORD').fill(VALUE);
    await panel.getByTestId('secret-store-PASSWORD').click();
    await expect.poll(() => panel.getByTestId('panel-info').textContent().catch(() => '')).toContain('Stored PASSWORD for replays');
    await expect.poll(() => panel.getByTestId('secret-value-PASSWORD').count()).toBe(0);
    expect(await panel.getByTestId('secret-value-PIN').count()).toBe(1);

    // The crawler's own decryption, with the test stack's key, reads the value back.
    const key = loadOrCreateSecrets(TEST_STACK.dir).credentialsKey;
    const rows = await withDb(async (db) => (await db.query<{ name: string; ciphertext: string; created_by: string }>('select name, ciphertext, created_by from public.site_credentials where site_id = $1', [siteId])).rows);
    expect(rows.map((r) => [r.name, r.created_by])).toEqual([['PASSWORD', owner.id]]);
    expect(rows[0]!.ciphertext).not.toContain(VALUE);
    expect(await decryptCredential(rows[0]!.ciphertext, key)).toBe(VALUE);

    // In no table of any schema (row text), in no extension storage, in no console line.
    const hits = await withDb(async (db) => {
      const tables = (await db.query<{ s: string; t: string }>(
        `select table_schema as s, table_name as t from information_schema.tables
          where table_type = 'BASE TABLE' and table_schema in ('public', 'private', 'auth', 'storage', 'net', 'cron')`,
      )).rows;
      const found: string[] = [];
      for (const { s, t } of tables) {
        const r = await db.query(`select 1 from ${JSON.stringify(s)}.${JSON.stringify(t)} x where x::text like '%' || $1 || '%' limit 1`, [VALUE]);
        if (r.rowCount) found.push(`${s}.${t}`);
      }
      return { found, checked: tables.length };
    });
    expect(hits.checked).toBeGreaterThan(10);
    expect(hits.found).toEqual([]);
    expect(await extensionStorage()).not.toContain(VALUE);
    expect(logs.filter((l) => l.includes(VALUE))).toEqual([]);

    // Reopened, the panel remembers the name is stored (asks only for PIN).
    await panel.reload();
    const row = panel.getByTestId('saved-flow').filter({ hasText: FLOW_NAME });
    await row.waitFor();
    await row.getByRole('button', { name: 'Open' }).click();
    await panel.getByTestId('secret-value-PIN').waitFor();
    expect(await panel.getByTestId('secret-value-PASSWORD').count()).toBe(0);
    await panel.close();
  }, 120_000);

  it('tells a plain member, in a sentence, that only owners and admins store values', async () => {
    const panel = await openPanelAs(plain);
    await panel.getByTestId('secret-value-PIN').fill('1234-member');
    await panel.getByTestId('secret-store-PIN').click();
    await expect.poll(() => panel.getByTestId('panel-error').textContent().catch(() => '')).toMatch(/Only owners and admins/);
    expect(await panel.getByTestId('secret-value-PIN').count()).toBe(1);
    const names = await withDb(async (db) => (await db.query<{ name: string }>('select name from public.site_credentials where site_id = $1', [siteId])).rows.map((r) => r.name));
    expect(names).toEqual(['PASSWORD']);
    expect(logs.filter((l) => l.includes('1234-member'))).toEqual([]);
    await panel.close();
  }, 120_000);

  it("shows the server's sentence when the credentials limit refuses (429), not a generic 'too many requests'", async () => {
    const panel = await openPanelAs(owner);
    await panel.getByTestId('secret-value-PIN').waitFor();
    // This organisation's limit drops to none (an override row, docs/limits.md): the next request is a 429.
    await withDb((db) => db.query(
      `insert into private.limits (name, organization_id, max_count, window_seconds)
       select 'credentials_per_user', organization_id, 0, 60 from public.sites where id = $1`,
      [siteId],
    ));
    await panel.getByTestId('secret-value-PIN').fill('4321-limited');
    await panel.getByTestId('secret-store-PIN').click();
    await expect.poll(() => panel.getByTestId('panel-error').textContent().catch(() => ''), { timeout: 30_000 })
      .toMatch(/credential requests in a minute, the most FlowLens allows; try again in \d+ seconds\./);
    expect(await panel.getByTestId('panel-error').textContent()).not.toMatch(/Too many requests right now/);
    const names = await withDb(async (db) => (await db.query<{ name: string }>('select name from public.site_credentials where site_id = $1', [siteId])).rows.map((r) => r.name));
    expect(names).toEqual(['PASSWORD']);
    await panel.close();
  }, 120_000);
});
