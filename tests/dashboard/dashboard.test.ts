/**
 * The dashboard end to end: built against the test stack, served from 127.0.0.1, driven in real
 * Chromium, on a seeded Site Context (45 days of runs, bugs in every state, deploys, metrics,
 * flows). Every action is checked where it lands: in Postgres and its audit trail.
 * Screenshots of each page are kept under artifacts/dashboard/.
 */
import { execFileSync } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { AlertWebhookV1Schema } from '@flowlens/core/alerts';
import type { Browser, BrowserContext, Page } from 'playwright';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stackInfo, supabaseClient, withDb } from '@flowlens/stack/testing';
import type { StackInfo } from '@flowlens/stack';
import { buildDashboard, keepScreenshot, REPO_ROOT, launchChromium, removeDir, serveStatic, seriousAxeViolations, settled, signIn, type AxeViolation, type StaticServer } from './harness.ts';
import { createNamedUser, HTML_MESSAGE, HTML_TITLE, seedSiteContext, seedStrangerSite, type SeededSite } from './seed.ts';

let info: StackInfo;
let site: SeededSite;
let other: { orgId: string; siteId: string; siteName: string };
let owner: { id: string; email: string; password: string };
let stranger: { id: string; email: string; password: string };
let member: { id: string; email: string; password: string };
let outDir = '';
let server: StaticServer | undefined;
let browser: Browser | undefined;
let ownerCtx: BrowserContext;
let page: Page;

const OPEN = `status in ('new','active','regressed') and not false_positive and (snoozed_until is null or snoozed_until <= now())`;

async function count(sql: string, params: unknown[]): Promise<number> {
  return withDb(async (db) => Number((await db.query<{ n: string }>(sql, params)).rows[0]!.n));
}

async function waitForTotal(p: Page, expected: number): Promise<void> {
  const shown = p.getByTestId('bug-total');
  await p
    .waitForFunction((n) => document.querySelector('[data-testid=bug-total]')?.textContent?.replace(/[^\d]/g, '') === String(n), expected, { timeout: 10_000 })
    .catch(async () => {
      throw new Error(`The bug list says "${await shown.textContent()}", the database counts ${expected}.`);
    });
}

beforeAll(async () => {
  info = stackInfo();
  const [o, m, s] = await Promise.all([createNamedUser(info, 'dash-owner', 'Ada Lovelace'), createNamedUser(info, 'dash-member', 'Bob Member'), createNamedUser(info, 'dash-stranger', 'Sam Stranger')]);
  owner = o;
  stranger = s;
  member = m;
  [site, other] = await withDb(async (db) => [
    await seedSiteContext(db, { ownerId: owner.id, members: [{ id: member.id, role: 'member' }], days: 45, fillerBugs: 60, storage: { apiUrl: info.apiUrl, serviceRoleKey: info.serviceRoleKey } }),
    await seedStrangerSite(db, stranger.id),
  ]);
  outDir = await buildDashboard(info);
  server = await serveStatic(outDir);
  browser = await launchChromium();
  ownerCtx = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  page = await ownerCtx.newPage();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  await server?.close();
  if (outDir) removeDir(outDir);
});

describe('dashboard in Chromium', () => {
  it('signs in from a deep link and shows the score, traced to its run', async () => {
    await signIn(page, server!.url, owner.email, owner.password, `/sites/${site.siteId}`);
    await page.waitForURL(`${server!.url}/sites/${site.siteId}`);
    await page.getByRole('heading', { level: 1, name: /^Good (morning|afternoon|evening), Ada$/ }).waitFor();
    const score = page.getByTestId('health-score');
    const latest = await withDb(async (db) => (await db.query<{ score: number; run_id: string }>('select score, run_id from public.health_scores where site_id = $1 order by computed_at desc limit 1', [site.siteId])).rows[0]!);
    expect(latest.score).toBe(site.latestScore);
    expect(await score.textContent()).toBe(String(latest.score));
    expect(await score.getAttribute('href')).toBe(`/sites/${site.siteId}/runs/${latest.run_id}`);
    await page.getByText(`from ${site.previousScore}`).waitFor();
    await settled(page);
    await keepScreenshot(page, 'site-home-1280');
    await score.click();
    await page.waitForURL(`**/sites/${site.siteId}/runs/${latest.run_id}`);
    expect(await page.getByTestId('run-score').textContent()).toBe(String(latest.score));
    // The breakdown reads the stored inputs with core's schema: the real measurement count, not 0.
    const perf = site.latestInputs.performance;
    expect(perf.withinBaseline).toBeGreaterThan(0);
    await page.getByText(`${perf.regressed} regressions, ${perf.withinBaseline + perf.regressed} measurements`).waitFor();
  });

  it("goes from all sites to a bug's screenshot and repro steps in two clicks", async () => {
    await page.goto(`${server!.url}/`);
    const card = page.getByRole('link', { name: site.siteName, exact: true });
    await card.waitFor();
    const urgent = await count(`select count(*) as n from public.bugs where site_id = $1 and severity in ('P0','P1') and ${OPEN}`, [site.siteId]);
    const article = page.locator('article', { has: card });
    expect(await article.getByText('Open P0/P1').locator('xpath=following-sibling::dd').textContent()).toBe(String(urgent));
    expect(await article.getByLabel(`Health score ${site.latestScore} out of 100`).count()).toBe(1);
    await settled(page);
    await keepScreenshot(page, 'all-sites-1280');

    await card.click(); // 1
    await page.getByRole('list', { name: 'Active bugs' }).getByRole('link', { name: site.titles.newJs }).click(); // 2
    await page.waitForURL(`**/sites/${site.siteId}/bugs/${site.bugs.newJs}`);
    const img = page.getByTestId('bug-screenshot');
    await img.waitFor();
    await page.waitForFunction(() => {
      const el = document.querySelector('[data-testid=bug-screenshot]') as HTMLImageElement | null;
      return !!el && el.complete && el.naturalWidth > 0;
    });
    expect(await img.getAttribute('src')).toMatch(/\/storage\/v1\/object\/sign\/screenshots\/.+\?token=/);
    expect(await page.getByTestId('repro-steps').locator('li').allTextContents()).toEqual(['Open the shop', 'Open “Brass desk lamp”', 'Add it to the cart']);
    expect(await page.getByTestId('console-lines').textContent()).toContain("Uncaught TypeError: Cannot read properties of undefined (reading 'price')");
    await keepScreenshot(page, 'bug-detail-1280');
  });

  it('filters, sorts and paginates bugs on the server', async () => {
    await page.goto(`${server!.url}/sites/${site.siteId}/bugs`);
    await waitForTotal(page, await count(`select count(*) as n from public.bugs where site_id = $1 and ${OPEN}`, [site.siteId]));
    const rows = page.getByRole('list', { name: 'Bugs' }).getByRole('listitem');
    // Most severe first.
    expect((await rows.first().textContent())?.startsWith('P1')).toBe(true);

    await page.getByRole('button', { name: 'P1' }).click();
    await page.waitForURL(/severity=P1/);
    await waitForTotal(page, await count(`select count(*) as n from public.bugs where site_id = $1 and severity = 'P1' and ${OPEN}`, [site.siteId]));
    for (const t of await rows.allTextContents()) expect(t.startsWith('P1')).toBe(true);

    await page.getByLabel('Status').selectOption('new');
    await page.getByLabel('Viewport').selectOption('mobile');
    await page.waitForURL(/status=new.*viewport=mobile|viewport=mobile.*status=new/);
    const n = await count(`select count(*) as n from public.bugs where site_id = $1 and severity = 'P1' and status = 'new' and not false_positive and (snoozed_until is null or snoozed_until <= now()) and 'mobile' = any(viewports)`, [site.siteId]);
    await waitForTotal(page, n);
    const titles = await page.getByRole('list', { name: 'Bugs' }).getByRole('link').allTextContents();
    expect(titles).toContain(site.titles.newFlow);
    expect(titles).toContain(site.titles.newJs);
    await keepScreenshot(page, 'bugs-filtered-1280');

    await page.getByRole('button', { name: 'Clear filters' }).click();
    await page.getByLabel('Status').selectOption('all');
    await page.getByLabel('Sort').selectOption('oldest');
    const all = await count('select count(*) as n from public.bugs where site_id = $1', [site.siteId]);
    expect(all).toBe(site.totalBugs);
    await waitForTotal(page, all);
    const firstPage = await rows.first().textContent();
    await page.getByRole('link', { name: 'Next →' }).click();
    await page.waitForURL(/p=2/);
    await page.getByText(`Showing 26–50 of ${all}`).waitFor();
    expect(await rows.first().textContent()).not.toBe(firstPage);
  });

  it('snoozes a bug until a date: the row and the audit trail say who and until when', async () => {
    await page.goto(`${server!.url}/sites/${site.siteId}/bugs/${site.bugs.newJs}`);
    const date = await page.evaluate(() => {
      const d = new Date();
      d.setDate(d.getDate() + 9);
      return { value: `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`, iso: new Date(d.getFullYear(), d.getMonth(), d.getDate()).toISOString() };
    });
    await page.getByLabel('Snooze until').fill(date.value);
    await page.getByRole('button', { name: 'Snooze', exact: true }).click();
    await page.getByTestId('snoozed-note').waitFor();
    const row = await withDb(async (db) => (await db.query<{ snoozed_until: Date }>('select snoozed_until from public.bugs where id = $1', [site.bugs.newJs])).rows[0]!);
    expect(row.snoozed_until.toISOString()).toBe(date.iso);
    const audit = await withDb(async (db) => (await db.query<{ action: string; actor_id: string; details: { to: string } }>('select action, actor_id, details from public.audit_log where bug_id = $1 order by id', [site.bugs.newJs])).rows);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ action: 'snooze', actor_id: owner.id });
    expect(new Date(audit[0]!.details.to).toISOString()).toBe(date.iso);
    await page.getByTestId('audit-trail').getByText(/snoozed it until/).waitFor();
  });

  it('marks one bug as a false positive (remembered, audited) and reopens a snoozed one', async () => {
    await page.goto(`${server!.url}/sites/${site.siteId}/bugs/${site.bugs.console}`);
    await page.getByRole('button', { name: 'Mark as false positive' }).click();
    await page.getByRole('button', { name: 'Yes, it is a false positive' }).click();
    await page.getByTestId('fp-note').waitFor();
    const fp = await withDb(async (db) => (await db.query<{ false_positive: boolean; false_positive_by: string }>('select false_positive, false_positive_by from public.bugs where id = $1', [site.bugs.console])).rows[0]!);
    expect(fp).toEqual({ false_positive: true, false_positive_by: owner.id });
    expect(await count(`select count(*) as n from public.audit_log where bug_id = $1 and action = 'mark_false_positive' and actor_id = $2`, [site.bugs.console, owner.id])).toBe(1);

    // Silenced bugs leave the open list and appear under their own filter.
    await page.goto(`${server!.url}/sites/${site.siteId}/bugs?status=false_positive`);
    await page.getByRole('list', { name: 'Bugs' }).getByRole('link', { name: site.titles.console }).waitFor();

    await page.goto(`${server!.url}/sites/${site.siteId}/bugs/${site.bugs.snoozed}`);
    await page.getByTestId('snoozed-note').waitFor();
    await page.getByRole('button', { name: 'Reopen' }).click();
    await page.getByTestId('snoozed-note').waitFor({ state: 'detached' });
    expect(await count('select count(*) as n from public.bugs where id = $1 and snoozed_until is null and not false_positive', [site.bugs.snoozed])).toBe(1);
    expect(await count(`select count(*) as n from public.audit_log where bug_id = $1 and action = 'reopen' and actor_id = $2`, [site.bugs.snoozed, owner.id])).toBe(1);
  });

  it('follows a deploy marker to the bugs that appeared after that deploy (mouse and keyboard)', async () => {
    await page.goto(`${server!.url}/sites/${site.siteId}/trends?range=30`);
    const marker = page.locator(`g.deploy-marker[data-deploy-id="${site.lastDeployId}"]`).first();
    await marker.waitFor({ timeout: 15_000 });
    await settled(page);
    await keepScreenshot(page, 'trends-1280');
    await marker.click();
    await page.waitForURL(new RegExp(`deploy=${site.lastDeployId}`));
    const panel = page.getByTestId('deploy-panel');
    const expected = await withDb(async (db) => (await db.query<{ title: string }>('select title from public.bugs where site_id = $1 and deploy_event_id = $2', [site.siteId, site.lastDeployId])).rows.map((r) => r.title));
    expect(expected.length).toBeGreaterThan(0);
    await panel.getByText(new RegExp(`^${expected.length} bugs? first seen`)).waitFor();
    const shown = await panel.getByRole('list', { name: 'Bugs after this deploy' }).getByRole('link').allTextContents();
    expect(shown.sort()).toEqual(expected.slice(0, 25).sort());
    expect(shown).toEqual(expect.arrayContaining([site.titles.newJs, site.titles.newFlow, site.titles.regressed]));
    await keepScreenshot(page, 'trends-deploy-1280');

    // The markers are buttons for the keyboard too.
    const earlier = site.deploys.filter((d) => d.id !== site.lastDeployId && Date.parse(d.receivedAt) > Date.now() - 29 * 86_400_000).at(-1)!;
    const other = page.locator(`g.deploy-marker[data-deploy-id="${earlier.id}"]`).first();
    await other.focus();
    await page.keyboard.press('Enter');
    await page.waitForURL(new RegExp(`deploy=${earlier.id}`));
    await panel.getByRole('heading', { name: new RegExp(`deploy ${earlier.sha.slice(0, 7)}$`) }).waitFor();
  });

  it('reveals and rotates the webhook secret', async () => {
    await page.goto(`${server!.url}/sites/${site.siteId}/settings`);
    const secretBox = page.getByTestId('webhook-secret');
    await secretBox.waitFor();
    const before = await withDb(async (db) => (await db.query<{ webhook_secret: string }>('select webhook_secret from public.site_secrets where site_id = $1', [site.siteId])).rows[0]!.webhook_secret);
    expect(await secretBox.textContent()).not.toBe(before);
    await page.getByRole('button', { name: 'Reveal' }).click();
    expect(await secretBox.textContent()).toBe(before);
    expect(await page.getByTestId('webhook-example').textContent()).toContain(`/functions/v1/deploy-webhook/${site.siteId}`);
    await page.getByRole('button', { name: 'Rotate secret' }).click();
    await page.getByRole('button', { name: 'Rotate now' }).click();
    await page.waitForFunction((old) => {
      const t = document.querySelector('[data-testid=webhook-secret]')?.textContent ?? '';
      return t.startsWith('whsec_') && t !== old;
    }, before);
    const after = await withDb(async (db) => (await db.query<{ webhook_secret: string }>('select webhook_secret from public.site_secrets where site_id = $1', [site.siteId])).rows[0]!.webhook_secret);
    expect(after).not.toBe(before);
    expect(await secretBox.textContent()).toBe(after);
    const example = (await page.getByTestId('webhook-example').textContent())!;
    expect(example).toContain(after);

    // The copy-paste example works as pasted: bash + openssl + curl against the real deploy-webhook
    // function of the stack, from this git checkout (the example reads the commit from it).
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: REPO_ROOT }).toString().trim();
    const deploysBefore = await count('select count(*) as n from public.deploy_events where site_id = $1 and commit_sha = $2', [site.siteId, sha]);
    execFileSync('bash', ['-c', `set -euo pipefail\n${example}`], { cwd: REPO_ROOT, stdio: 'pipe' });
    expect(await count('select count(*) as n from public.deploy_events where site_id = $1 and commit_sha = $2', [site.siteId, sha])).toBe(deploysBefore + 1);
  });

  it('an address the owner adds awaits confirmation; Resend is limited and the refusal says why (issue 14)', async () => {
    const address = `partner-${Date.now()}@example.com`;
    await page.goto(`${server!.url}/sites/${site.siteId}/settings`);
    await page.getByLabel('Add an address').fill(address);
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    const awaiting = page.getByTestId(`awaiting-${address}`);
    await awaiting.waitFor();
    expect(await awaiting.textContent()).toContain('Awaiting confirmation');
    const stored = async () => withDb(async (db) => (await db.query<{ confirmed_at: Date | null; confirmation_requested_at: Date | null }>(
      'select confirmed_at, confirmation_requested_at from public.notification_recipients where site_id = $1 and email = $2', [site.siteId, address])).rows[0]!);
    expect((await stored()).confirmed_at).toBeNull();
    expect((await stored()).confirmation_requested_at).not.toBeNull();

    // Adding sent the first email of the hour; two resends reach the limit of 3, the next is refused.
    const resend = page.getByRole('button', { name: `Resend the confirmation email to ${address}` });
    for (let i = 0; i < 2; i++) {
      await resend.click();
      await page.getByText(`The confirmation email to ${address} goes out again.`).first().waitFor();
    }
    await resend.click();
    await page.getByText(/FlowLens has sent this address 3 confirmation emails in the last hour; send another in \d+ minutes\./).first().waitFor();

    // Once the address confirms (as its link does), the mark goes.
    await withDb((db) => db.query('update public.notification_recipients set confirmed_at = now() where site_id = $1 and email = $2', [site.siteId, address]));
    await page.reload();
    await page.getByRole('button', { name: `Remove ${address}` }).waitFor();
    expect(await page.getByTestId(`awaiting-${address}`).count()).toBe(0);
  });

  it('alert channels: adds Slack and a webhook, tests them with the receiver\'s answer; the webhook is signed v1; members never see a URL', async () => {
    // Local receivers on 127.0.0.1 (the stack allows loopback channels; production does not):
    // a Slack-shaped one (200 ok, 404 no_service for a revoked hook, 400 invalid_payload) and a webhook.
    const got: { path: string; headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const receiver: Server = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        got.push({ path: req.url ?? '', headers: req.headers, body });
        const slackish = (req.url ?? '').startsWith('/services/');
        if (slackish && (req.url ?? '').includes('/revoked-')) return void res.writeHead(404).end('no_service');
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          return void res.writeHead(400).end('invalid_payload');
        }
        if (slackish && !(json && typeof json === 'object' && 'blocks' in json)) return void res.writeHead(400).end('invalid_payload');
        res.writeHead(200, { 'content-type': 'text/plain' }).end(slackish ? 'ok' : 'thanks');
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const base = `http://127.0.0.1:${(receiver.address() as { port: number }).port}`;
    const secretPart = `ok-${Date.now().toString(36)}secret`;
    try {
      await page.goto(`${server!.url}/sites/${site.siteId}/settings`);
      const add = async (kind: 'slack' | 'webhook', name: string, url: string) => {
        await page.getByLabel('Channel kind').selectOption(kind);
        await page.getByLabel('Channel name').fill(name);
        await page.getByLabel('Channel URL').fill(url);
        await page.getByRole('button', { name: 'Add channel' }).click();
        await page.getByTestId('alert-channel').filter({ hasText: name }).waitFor();
      };
      await add('slack', '#ops-e2e', `${base}/services/T0/B0/${secretPart}`);
      await add('slack', '#gone-e2e', `${base}/services/T0/B0/revoked-${secretPart}`);
      await add('webhook', 'Hook e2e', `${base}/flowlens/${secretPart}`);
      const row = (name: string) => page.getByTestId('alert-channel').filter({ hasText: name });
      expect(await row('#ops-e2e').getByTestId('channel-url-hint').textContent()).toBe(`127.0.0.1/…${secretPart.slice(-4)}`);

      await page.getByRole('button', { name: 'Send a test to #ops-e2e' }).click();
      expect(await row('#ops-e2e').getByTestId('channel-test-result').textContent()).toBe('Delivered. The receiver answered 200: ok');
      await page.getByRole('button', { name: 'Send a test to #gone-e2e' }).click();
      expect(await row('#gone-e2e').getByTestId('channel-test-result').textContent()).toBe('Not delivered. The receiver answered 404: no_service');

      await row('Hook e2e').getByRole('button', { name: 'Show signing secret' }).click();
      const signingSecret = (await row('Hook e2e').getByTestId('channel-signing-secret').textContent())!;
      expect(signingSecret).toMatch(/^whsec_[0-9a-f]{64}$/);
      await page.getByRole('button', { name: 'Send a test to Hook e2e' }).click();
      expect(await row('Hook e2e').getByTestId('channel-test-result').textContent()).toBe('Delivered. The receiver answered 200: thanks');
      const delivery = got.find((g) => g.path === `/flowlens/${secretPart}`)!;
      const ts = String(delivery.headers['x-flowlens-timestamp']);
      expect(delivery.headers['x-flowlens-signature']).toBe(`sha256=${createHmac('sha256', signingSecret).update(`${ts}.${delivery.body}`).digest('hex')}`);
      const body = AlertWebhookV1Schema.parse(JSON.parse(delivery.body));
      expect([body.event, body.site.id, delivery.headers['x-flowlens-delivery']]).toEqual(['channel.test', site.siteId, body.id]);
      expect(await page.content()).not.toContain(secretPart);

      // The policy, saved by the owner, is what the database now holds.
      await page.getByRole('radio', { name: /Alert only after/ }).check();
      await page.getByLabel('Runs in a row').fill('3');
      await page.getByRole('button', { name: 'Save policy' }).click();
      await page.getByText('Alert policy saved.').waitFor();
      const saved = await withDb(async (db) => (await db.query('select mode, consecutive_runs from public.alert_policies where site_id = $1', [site.siteId])).rows[0]);
      expect(saved).toEqual({ mode: 'consecutive', consecutive_runs: 3 });
      await keepScreenshot(page, 'settings-alerts');

      // A member sees the channels and their health, never a URL, and cannot test or change them.
      const ctx = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
      const p = await ctx.newPage();
      await signIn(p, server!.url, member.email, member.password, `/sites/${site.siteId}/settings`);
      await p.getByTestId('alert-channel').filter({ hasText: '#ops-e2e' }).waitFor();
      expect(await p.getByRole('button', { name: /Send a test/ }).count()).toBe(0);
      expect(await p.getByLabel('Channel URL').count()).toBe(0);
      expect(await p.content()).not.toContain(secretPart);
      const client = supabaseClient(info, info.anonKey);
      await client.auth.signInWithPassword({ email: member.email, password: member.password });
      const { error } = await client.from('alert_channels').select('url').eq('site_id', site.siteId);
      expect(error?.message).toMatch(/permission denied/);
      await ctx.close();
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('renders a bug title and message containing HTML as text', async () => {
    await page.goto(`${server!.url}/sites/${site.siteId}/bugs/${site.bugs.html}`);
    await page.getByTestId('bug-title').waitFor();
    expect(await page.getByTestId('bug-title').textContent()).toBe(HTML_TITLE);
    expect(await page.getByTestId('bug-message').textContent()).toBe(HTML_MESSAGE);
    expect(await page.getByTestId('console-lines').textContent()).toBe('<b>not bold</b> <img src=x onerror=alert(1)>');
    const injected = await page.evaluate(() => ({
      img: document.querySelectorAll('main img[src="x"]').length,
      script: [...document.querySelectorAll('main script')].length,
      jsLinks: document.querySelectorAll('a[href^="javascript:"]').length,
      flag: (window as unknown as { __flowlensXss?: number }).__flowlensXss ?? null,
    }));
    expect(injected).toEqual({ img: 0, script: 0, jsLinks: 0, flag: null });
    await page.goto(`${server!.url}/sites/${site.siteId}/bugs?path=%2Faccount`);
    await page.getByRole('list', { name: 'Bugs' }).getByRole('link', { name: HTML_TITLE }).waitFor();
    expect(await page.evaluate(() => (window as unknown as { __flowlensXss?: number }).__flowlensXss ?? null)).toBeNull();
  });

  it('reviews a healed selector and explains the crawl rate limit', async () => {
    await page.goto(`${server!.url}/sites/${site.siteId}/flows`);
    const row = page.getByRole('row', { name: /Checkout/ });
    await row.getByText('critical').waitFor();
    expect(await row.getByRole('cell').nth(3).textContent()).toContain('failed');
    await keepScreenshot(page, 'flows-1280');
    await row.getByRole('link', { name: '1 healed selector' }).click();
    await page.waitForURL(`**/flows/${site.flows.checkout}#healed`);
    await page.waitForFunction(() => [...document.querySelectorAll('main li img')].some((i) => (i as HTMLImageElement).naturalWidth > 0));
    const proposal = page.getByTestId('proposal');
    expect(await proposal.textContent()).toContain('role: button "Go to checkout"');
    // Issue 17: the stored flow as a Playwright test, through the user's session (RLS) and core's generator.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download as Playwright test' }).click()]);
    expect(download.suggestedFilename()).toBe('checkout.spec.ts');
    const spec = await new Promise<string>((resolve, reject) => {
      download.createReadStream().then((stream) => {
        let text = '';
        stream.on('data', (d: Buffer) => (text += d.toString('utf8')));
        stream.on('end', () => resolve(text));
        stream.on('error', reject);
      }, reject);
    });
    expect(spec).toContain("test('Checkout', async ({ page }) => {");
    expect(spec).toContain('Checkout — FlowLens flow, version 3');
    expect(spec).toContain('// Healed on the last FlowLens run: css=#checkout-btn no longer matched');
    await proposal.getByRole('button', { name: 'Accept' }).click();
    await proposal.waitFor({ state: 'detached' });
    const decided = await withDb(async (db) => (await db.query<{ status: string; decided_by: string; first: { kind: string } }>(`select p.status, p.decided_by, s.data -> 'selectors' -> 0 as first from public.selector_proposals p join public.flow_steps s on s.id = p.step_id where p.id = $1`, [site.proposalId])).rows[0]!);
    expect(decided).toEqual({ status: 'accepted', decided_by: owner.id, first: { kind: 'role', value: 'button', name: 'Go to checkout' } });

    // Someone asked for a crawl a moment ago: "Run now" explains instead of failing.
    await withDb((db) => db.query(`insert into public.crawl_runs (site_id, trigger, status, requested_by, created_at, started_at, finished_at) values ($1, 'manual', 'completed', $2, now(), now(), now())`, [site.siteId, owner.id]));
    const before = await count(`select count(*) as n from public.crawl_runs where site_id = $1 and trigger = 'manual'`, [site.siteId]);
    await page.getByRole('button', { name: 'Run now' }).click();
    const result = page.getByTestId('run-now-result');
    await result.waitFor();
    expect(await result.getAttribute('role')).toBe('status');
    expect(await result.textContent()).toMatch(/A crawl is already on its way.*wait for it to finish \(or two minutes\)/);
    expect(await count(`select count(*) as n from public.crawl_runs where site_id = $1 and trigger = 'manual'`, [site.siteId])).toBe(before);
  });

  it('lists the history and shows a run with its diff', async () => {
    await page.goto(`${server!.url}/sites/${site.siteId}/runs`);
    const total = await count('select count(*) as n from public.crawl_runs where site_id = $1', [site.siteId]);
    await page.getByText(`Showing 1–25 of ${total}`).waitFor();
    await page.goto(`${server!.url}/sites/${site.siteId}/runs/${site.latestRunId}`);
    const summary = await withDb(async (db) => (await db.query<{ s: Record<string, string[]> }>('select summary as s from public.crawl_runs where id = $1', [site.latestRunId])).rows[0]!.s);
    const diffCounts = page.getByRole('list', { name: 'Diff counts' });
    await diffCounts.waitFor();
    const counts = await diffCounts.getByRole('listitem').allTextContents();
    expect(counts).toEqual([`New${summary.new!.length}`, `Came back${summary.regressed!.length}`, `Fixed${summary.fixed!.length}`, `Still there${summary.persistent!.length}`]);
    await page.getByRole('list', { name: 'Came back' }).getByRole('link', { name: site.titles.regressed }).waitFor();
    // How the run's accessibility audits were made, from the stored summary.
    const audits = (summary as unknown as { a11yAudits: { fresh: number; reused: number } }).a11yAudits;
    expect(await page.getByTestId('run-a11y-audits').textContent()).toMatch(new RegExp(`^Accessibility: ${audits.fresh} pages? audited in this crawl${audits.reused > 0 ? `; ${audits.reused} unchanged pages? kept` : '\\.$'}`));
    await settled(page);
    await keepScreenshot(page, 'run-detail-1280');
  });

  it('invites a colleague, who signs up through the link and sees the site; sign-out ends the session', async () => {
    await page.goto(`${server!.url}/sites/${site.siteId}/settings`);
    const email = `invitee-${Date.now()}@flowlens.test`;
    await page.getByLabel('Invite by email').fill(email);
    await page.getByRole('button', { name: 'Invite', exact: true }).click();
    const link = (await page.getByTestId('invite-link').textContent())!;
    expect(link).toMatch(new RegExp(`^${server!.url}/invite/[0-9a-f]{48}$`));

    const ctx = await browser!.newContext({ viewport: { width: 390, height: 844 } });
    const p = await ctx.newPage();
    await p.goto(link);
    await p.getByRole('link', { name: 'Create an account' }).click();
    await p.getByLabel('Your name').fill('Carol');
    await p.getByLabel('Work email').fill(email);
    await p.getByLabel('Password').fill('a-long-password');
    await p.getByRole('button', { name: 'Create account' }).click();
    await p.waitForURL(/\/invite\//);
    await p.getByRole('button', { name: 'Accept invitation' }).click();
    await p.waitForURL(`${server!.url}/`);
    await p.getByRole('link', { name: site.siteName, exact: true }).waitFor();
    expect(await count(`select count(*) as n from public.organization_members m join auth.users u on u.id = m.user_id where m.organization_id = $1 and u.email = $2 and m.role = 'member'`, [site.orgId, email])).toBe(1);
    await p.getByRole('button', { name: 'Sign out' }).click();
    await p.waitForURL(/\/signin/);
    await p.goto(`${server!.url}/sites/${site.siteId}`);
    await p.waitForURL(/\/signin\?next=/);
    await ctx.close();
  });

  it('a new user signs up, creates an organisation and adds a site', async () => {
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    const email = `newcomer-${Date.now()}@flowlens.test`;
    await p.goto(`${server!.url}/signup`);
    await p.getByLabel('Your name').fill('Nora Newcomer');
    await p.getByLabel('Work email').fill(email);
    await p.getByLabel('Password').fill('correct horse battery');
    await p.getByRole('button', { name: 'Create account' }).click();
    await p.getByRole('heading', { name: 'Welcome to FlowLens' }).waitFor();
    await settled(p);
    expect(await seriousAxeViolations(p)).toEqual([]);
    await keepScreenshot(p, 'welcome-1280');
    await p.getByLabel('Organisation name').fill('Nora Ceramics');
    await p.getByRole('button', { name: 'Create organisation' }).click();
    await p.getByRole('heading', { name: 'Add your first site' }).waitFor();
    await p.getByText('npm run build:extension').waitFor();
    await settled(p);
    expect(await seriousAxeViolations(p)).toEqual([]);
    await keepScreenshot(p, 'get-started-1280');
    await p.getByLabel('Site name').fill('Nora shop');
    await p.getByLabel('Site URL').fill('https://shop.nora.example');
    await p.getByRole('button', { name: 'Add site' }).click();
    await p.waitForURL(/\/sites\/[0-9a-f-]{36}$/);
    await p.getByText('No crawl has finished yet').waitFor();
    await p.getByRole('heading', { level: 1, name: /, Nora$/ }).waitFor();
    const siteId = p.url().split('/').pop()!;
    const row = await withDb(async (db) => (await db.query<{ role: string; origins: string[]; secret: boolean; notified: boolean }>(
      `select m.role, s.allowed_origins as origins,
              exists (select 1 from public.site_secrets x where x.site_id = s.id) as secret,
              exists (select 1 from public.notification_recipients r where r.site_id = s.id and r.email = $2) as notified
         from public.sites s join public.organization_members m on m.organization_id = s.organization_id
         join auth.users u on u.id = m.user_id
        where s.id = $1 and u.email = $2`, [siteId, email])).rows[0]);
    expect(row).toEqual({ role: 'owner', origins: ['https://shop.nora.example'], secret: true, notified: true });
    await ctx.close();
  });

  it('a user of another organisation sees none of it', async () => {
    const ctx = await browser!.newContext({ viewport: { width: 1280, height: 900 } });
    const p = await ctx.newPage();
    await signIn(p, server!.url, stranger.email, stranger.password);
    await p.getByRole('link', { name: other.siteName, exact: true }).waitFor();
    expect(await p.getByText(site.siteName).count()).toBe(0);
    expect(await p.getByText(site.orgName).count()).toBe(0);
    for (const path of [`/sites/${site.siteId}`, `/sites/${site.siteId}/bugs/${site.bugs.newJs}`, `/sites/${site.siteId}/runs/${site.latestRunId}`, `/sites/${site.siteId}/settings`]) {
      await p.goto(`${server!.url}${path}`);
      await p.getByRole('heading', { name: 'Site not found' }).waitFor();
      expect(await p.getByText(site.titles.newJs).count()).toBe(0);
    }
    await keepScreenshot(p, 'stranger-site-not-found');
    // And the API behind it returns nothing either (RLS, with the stranger's own session).
    const client = supabaseClient(info);
    await client.auth.signInWithPassword({ email: stranger.email, password: stranger.password });
    expect((await client.from('bugs').select('id').eq('site_id', site.siteId)).data).toEqual([]);
    expect((await client.from('health_scores').select('id').eq('site_id', site.siteId)).data).toEqual([]);
    expect((await client.rpc('reopen_bug', { target_bug: site.bugs.falsePositive })).error?.message).toMatch(/not yours/);
    expect((await client.storage.from('screenshots').createSignedUrl(`${site.siteId}/steps/${site.flows.checkout}/0.png`, 60)).data).toBeNull();
    await ctx.close();
  });

  it('has no serious or critical axe violations on any page, at 1280 and 390 px, and never scrolls sideways', async () => {
    const s = site.siteId;
    const pages: Array<[string, string]> = [
      ['all-sites', '/'],
      ['site-home', `/sites/${s}`],
      ['trends', `/sites/${s}/trends?range=90`],
      ['trends-deploy', `/sites/${s}/trends?range=30&deploy=${site.lastDeployId}`],
      ['bugs', `/sites/${s}/bugs`],
      ['bug-detail', `/sites/${s}/bugs/${site.bugs.a11y}`],
      ['bug-detail-html', `/sites/${s}/bugs/${site.bugs.html}`],
      ['flows', `/sites/${s}/flows`],
      ['flow-detail', `/sites/${s}/flows/${site.flows.checkout}`],
      ['history', `/sites/${s}/runs`],
      ['run-detail', `/sites/${s}/runs/${site.latestRunId}`],
      ['settings', `/sites/${s}/settings`],
      ['not-found', '/nowhere'],
    ];
    const problems: string[] = [];
    const check = async (p: Page, name: string, path: string, width: number) => {
      await p.goto(`${server!.url}${path}`);
      await settled(p);
      const v: AxeViolation[] = await seriousAxeViolations(p);
      for (const x of v) problems.push(`${name} @${width}: ${x.id} (${x.impact}) ${x.help} — ${x.nodes.map((n) => n.target.join(' ')).join(', ')}`);
      const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      if (overflow > 1) problems.push(`${name} @${width}: the page is ${overflow}px wider than the window`);
      await keepScreenshot(p, `${name}-${width}`);
    };
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      for (const [name, path] of pages) await check(page, name, path, width);
      const anon = await browser!.newContext({ viewport: { width, height: 900 } });
      const p = await anon.newPage();
      for (const [name, path] of [
        ['sign-in', '/signin'],
        ['sign-up', '/signup'],
        ['invite', '/invite/0123456789abcdef'],
      ] as const)
        await check(p, name, path, width);
      await anon.close();
    }
    expect(problems).toEqual([]);
  }, 300_000);

  it('is keyboard reachable: the first Tab is the skip link, and it lands in the page', async () => {
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto(`${server!.url}/sites/${site.siteId}`);
    await settled(page);
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe('Skip to content');
    await page.keyboard.press('Enter');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => !!document.activeElement?.closest('main'))).toBe(true);
  });
});
