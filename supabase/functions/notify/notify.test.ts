/**
 * notify against the real stack and SMTP sink: one instant email per run even with racing calls,
 * retry after the sink refuses, escaping of page-written text, daily and weekly digests for a
 * fixture history, preferences and the unsubscribe link.
 */
import { assert, assertEquals, callFunction, createSite, failNextDeliveries, type Fixture, mailboxFor, STACK_TEST, testDb } from '../_shared/testing.ts';
import { outboxRows, seedBug, seedDeploy, seedInstantOutbox, seedRun } from './fixtures.ts';

async function notify(site: Fixture | Fixture[], now?: string) {
  const sites = (Array.isArray(site) ? site : [site]).map((s) => s.siteId);
  const res = await callFunction('notify', { body: { sites, ...(now ? { now } : {}) } });
  const body = await res.json();
  assertEquals(res.status, 200, JSON.stringify(body));
  return body as { outcomes: { kind: string; status: string; delivered: number; error?: string; by?: string }[] };
}

const dashboard = Deno.env.get('FLOWLENS_DASHBOARD_URL') ?? 'http://127.0.0.1:5173';

Deno.test({ name: 'notify: a run with a P1 gives exactly one instant email, even with two notify calls racing', ...STACK_TEST, async fn() {
  const site = await createSite({ name: 'Fixture Shop' });
  const deployAt = new Date(Date.now() - 12 * 60_000).toISOString();
  const deploy = await seedDeploy(site, 'a1b2c3d4e5f6a7b8', deployAt);
  const run = await seedRun(site, { score: 71 });
  const bug = await seedBug(site, { title: 'Checkout button does nothing', severity: 'P1', page: 'https://shop.example.com/checkout', runId: run, viewports: ['desktop', 'mobile'], firstSeenAt: new Date(Date.now() - 60_000).toISOString() });
  await seedInstantOutbox(site, run, [bug], deploy);

  const [a, b] = await Promise.all([notify(site), notify(site)]);
  const sent = [...a.outcomes, ...b.outcomes].filter((o) => o.kind === 'instant' && o.status === 'sent');
  // (A daily briefing row may appear too when the clock is past 09:00 UTC; it has nothing to say yet.)
  assertEquals(sent.length, 1, JSON.stringify([a, b]));
  await notify(site); // and once more for good measure

  const mails = await mailboxFor(site.email);
  assertEquals(mails.length, 1);
  const m = mails[0]!;
  assert(m.subject.includes('Fixture Shop') && m.subject.includes('after deploy a1b2c3d4e5f6'), m.subject);
  for (const part of ['Checkout button does nothing', 'https://shop.example.com/checkout', 'desktop, mobile', 'First seen', `${dashboard}/sites/${site.siteId}/bugs/${bug}`, 'deploy a1b2c3d4e5f6 (branch main, production)', '11 minutes after']) {
    assert(m.text.includes(part), `text mentions ${part}:\n${m.text}`);
  }
  assert(m.html?.includes(`href="${dashboard}/sites/${site.siteId}/bugs/${bug}"`), 'HTML links to the bug');
  const rows = (await outboxRows(site.siteId)).filter((r) => r.kind === 'instant');
  assertEquals(rows.map((r) => [r.kind, r.status, r.attempts, r.recipients]), [['instant', 'sent', 1, [site.email]]]);
} });

Deno.test({ name: 'notify: the sink refuses the first attempt → the error is visible in the outbox and the retry delivers', ...STACK_TEST, async fn() {
  const site = await createSite();
  const run = await seedRun(site, { score: 60 });
  const bug = await seedBug(site, { title: 'Payment page is blank', severity: 'P0', runId: run });
  await seedInstantOutbox(site, run, [bug]);

  await failNextDeliveries(1);
  const instant = (r: Awaited<ReturnType<typeof notify>>) => r.outcomes.filter((o) => o.kind === 'instant');
  const first = await notify(site);
  assertEquals(instant(first).map((o) => o.status), ['pending']);
  assertEquals((await mailboxFor(site.email)).length, 0);
  const [row] = (await outboxRows(site.siteId)).filter((r) => r.kind === 'instant');
  assertEquals([row!.status, row!.attempts], ['pending', 1]);
  assert(row!.last_error?.includes('451') || row!.last_error?.toLowerCase().includes('unavailable'), row!.last_error ?? '');
  assert(row!.next_attempt_at.getTime() > Date.now() + 30_000, 'backs off before retrying');

  // Not due yet: nothing happens.
  assertEquals(instant(await notify(site)), []);
  // Two minutes later it is due again, and goes out.
  const retry = await notify(site, new Date(Date.now() + 2 * 60_000).toISOString());
  assertEquals(instant(retry).map((o) => o.status), ['sent']);
  assertEquals((await mailboxFor(site.email)).length, 1);
  const [after] = (await outboxRows(site.siteId)).filter((r) => r.kind === 'instant');
  assertEquals([after!.status, after!.attempts], ['sent', 2]);
} });

Deno.test({ name: 'notify: a bug title containing <script> arrives escaped, never as HTML', ...STACK_TEST, async fn() {
  const site = await createSite({ name: 'Shop <b>bold</b>' });
  const run = await seedRun(site, { score: 50 });
  const evil = `<script>alert("x")</script><img src=x onerror=alert(1)>`;
  const bug = await seedBug(site, { title: evil, severity: 'P1', page: '/search?q="><script>1</script>', runId: run });
  await seedInstantOutbox(site, run, [bug]);
  await notify(site);
  const [m] = await mailboxFor(site.email);
  assert(m, 'the email arrived');
  assert(!m.html!.includes('<script>'), 'no script tag in the HTML');
  assert(!m.html!.includes('<img src=x'), 'no injected image');
  assert(!m.html!.includes('<b>bold'), 'the site name is not HTML');
  assert(m.html!.includes('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;'), 'the title is shown as text');
  assert(m.text.includes(evil), 'the plain text carries the title as-is');
} });

// A fixture history for the daily briefing: Europe/Paris (UTC+1 in January), briefing on 2027-01-20.
async function briefingHistory(name = 'Lumen Shop') {
  const site = await createSite({ name, timezone: 'Europe/Paris' });
  await seedRun(site, { finishedAt: '2027-01-18T01:30:00Z', score: 70 });
  await seedRun(site, { finishedAt: '2027-01-19T01:30:00Z', score: 75 });
  const today = await seedRun(site, { finishedAt: '2027-01-20T01:30:00Z', score: 80 });
  await seedBug(site, { title: 'Newsletter form error', severity: 'P2', firstSeenAt: '2027-01-20T01:29:00Z', runId: today });
  await seedBug(site, { title: 'Broken footer link <a>', severity: 'P3', type: 'broken_link', status: 'fixed', firstSeenAt: '2027-01-10T01:00:00Z', fixedAt: '2027-01-20T01:30:00Z' });
  await seedBug(site, { title: 'Old cart warning', severity: 'P2', status: 'active', firstSeenAt: '2027-01-05T01:00:00Z', lastSeenAt: '2027-01-20T01:29:00Z' });
  await seedBug(site, { title: 'Home page LCP regressed', severity: 'P2', type: 'perf_regression', page: '/', firstSeenAt: '2027-01-20T01:29:00Z', runId: today });
  return site;
}

Deno.test({ name: 'notify: the daily briefing goes out at 09:00 site-local, once, text and HTML', ...STACK_TEST, async fn() {
  const site = await briefingHistory();
  const quiet = (await testDb().query<{ id: string }>(
    `insert into public.notification_recipients (site_id, email, daily, confirmed_at) values ($1, $2, false, now()) returning id`,
    [site.siteId, `quiet-${site.recipientId.slice(0, 8)}@example.com`],
  )).rows[0]!;
  assert(quiet.id);

  await notify(site, '2027-01-20T07:55:00Z'); // 08:55 in Paris
  assertEquals(await outboxRows(site.siteId), []);
  const res = await notify(site, '2027-01-20T08:05:00Z'); // 09:05 in Paris
  assertEquals(res.outcomes.map((o) => [o.kind, o.status, o.by]), [['daily', 'sent', 'template']]);
  await notify(site, '2027-01-20T08:10:00Z');
  await notify(site, '2027-01-20T15:00:00Z');

  const mails = await mailboxFor(site.email);
  assertEquals(mails.length, 1);
  const m = mails[0]!;
  assertEquals(m.subject, '[FlowLens] Daily briefing for Lumen Shop — health 80 (+5)');
  for (const part of [
    "Lumen Shop's health score is 80, up 5 since yesterday's briefing.",
    "Since yesterday's briefing, 2 new bugs appeared and 1 bug was fixed.",
    '1 older bug is still open.',
    '1 page got slower.',
    'New bugs (2)',
    'Newsletter form error',
    'Fixed (1)',
    'Broken footer link <a>',
    'Still open (1)',
    'Old cart warning',
    'Performance: got slower (1)',
    'Home page LCP regressed',
    'Unsubscribe from daily briefings:',
  ]) assert(m.text.includes(part), `text mentions ${part}:\n${m.text}`);
  const html = m.html!;
  assert(html.includes('Lumen Shop&#39;s health score is 80, up 5 since yesterday&#39;s briefing.'), 'prose in the HTML');
  assert(html.includes('Broken footer link &lt;a&gt;'), 'titles escaped in HTML');
  assert(html.includes('>80<'), 'the score is shown');
  assert(/style="[^"]+"/.test(html) && !html.includes('<style'), 'inline styles only');
  // The recipient who turned daily briefings off got nothing.
  assertEquals((await mailboxFor(`quiet-${site.recipientId.slice(0, 8)}@example.com`)).length, 0);
  assertEquals((await outboxRows(site.siteId)).map((r) => [r.kind, r.period_key, r.status]), [['daily', '2027-01-20', 'sent']]);
} });

Deno.test({ name: 'notify: the weekly summary goes out on Monday with the score trajectory', ...STACK_TEST, async fn() {
  const site = await createSite({ name: 'Weekly Shop', timezone: 'Pacific/Auckland' }); // UTC+13 in January
  // Monday 2027-01-25 09:00 in Auckland is Sunday 2027-01-24 20:00 UTC.
  await seedRun(site, { finishedAt: '2027-01-18T10:00:00Z', score: 60 });
  await seedRun(site, { finishedAt: '2027-01-20T10:00:00Z', score: 66 });
  await seedRun(site, { finishedAt: '2027-01-23T10:00:00Z', score: 72 });
  await seedBug(site, { title: 'Login fails on Safari', severity: 'P1', status: 'active', firstSeenAt: '2027-01-02T10:00:00Z', lastSeenAt: '2027-01-23T10:00:00Z' });
  await notify(site, '2027-01-24T19:55:00Z');
  assertEquals((await mailboxFor(site.email)).length, 0);
  await notify(site, '2027-01-24T20:05:00Z');
  const mails = (await mailboxFor(site.email)).filter((m) => m.subject.includes('Weekly summary'));
  assertEquals(mails.length, 1);
  const m = mails[0]!;
  assert(m.text.includes('Scores through the week: 60 → 66 → 72.'), m.text);
  assert(m.text.includes('Top persistent bugs (1)') && m.text.includes('Login fails on Safari'), m.text);
  const kinds = (await outboxRows(site.siteId)).map((r) => `${r.kind}:${r.period_key}:${r.status}`).sort();
  assertEquals(kinds, ['daily:2027-01-25:sent', 'weekly:2027-W04:sent']);
} });

Deno.test({ name: 'unsubscribe: the signed link shows a confirmation, POST turns the preference off, a forged token is refused', ...STACK_TEST, async fn() {
  const site = await briefingHistory('Unsub Shop');
  await notify(site, '2027-01-20T08:05:00Z');
  const [m] = await mailboxFor(site.email);
  const link = /Unsubscribe from daily briefings: (\S+)/.exec(m!.text)?.[1];
  assert(link, m!.text);
  const page = await fetch(link);
  const html = await page.text();
  assertEquals(page.status, 200);
  assert(html.includes('Unsubscribe from daily briefings?') && html.includes('<form method="post"'), html);
  const prefs = async () => (await testDb().query('select instant, daily, weekly from public.notification_recipients where id = $1', [site.recipientId])).rows[0];
  assertEquals(await prefs(), { instant: true, daily: true, weekly: true }, 'GET alone changes nothing');

  const post = await fetch(link, { method: 'POST', body: 'List-Unsubscribe=One-Click', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
  assert((await post.text()).includes('You are unsubscribed'));
  assertEquals(await prefs(), { instant: true, daily: false, weekly: true });

  const forged = link.replace(/\.daily\.[^&]+/, '.all.AAAA');
  const bad = await fetch(forged, { method: 'POST' });
  assertEquals(bad.status, 400);
  await bad.body?.cancel();
  assertEquals(await prefs(), { instant: true, daily: false, weekly: true });
} });

Deno.test({ name: 'notify: with Claude configured the briefing prose is Claude’s, escaped; a Claude failure falls back to the template', ...STACK_TEST, async fn() {
  const { startFakeAnthropic, requestText } = await import('../_shared/fake-anthropic.ts');
  const { runNotify } = await import('./sender.ts');
  const { db, closeDb } = await import('../_shared/db.ts');
  const { smtpMailer } = await import('../_shared/mailer.ts');
  const site = await briefingHistory('Claude Shop');
  const other = await briefingHistory('Fallback Shop');
  const fake = startFakeAnthropic((body) =>
    requestText(body).includes('Fallback Shop')
      ? { status: 400, error: 'invalid request' }
      : 'Claude Shop is healthier today at 80, up 5.\nTwo new bugs showed up and one was fixed <b>nicely</b>.'
  );
  const mailer = smtpMailer();
  try {
    const out = await runNotify(db(), {
      now: new Date('2027-01-20T08:05:00Z'),
      mailer,
      claude: { apiKey: 'test-key', baseURL: fake.baseURL },
      sites: [site.siteId, other.siteId],
    });
    const bySite = Object.fromEntries(out.outcomes.map((o) => [o.siteId, `${o.kind}:${o.status}:${o.by}`]));
    assertEquals(bySite, { [site.siteId]: 'daily:sent:claude', [other.siteId]: 'daily:sent:template' });
    const [m] = await mailboxFor(site.email);
    assert(m!.text.includes('Claude Shop is healthier today at 80, up 5.'), m!.text);
    assert(m!.html!.includes('one was fixed &lt;b&gt;nicely&lt;/b&gt;.'), 'Claude’s text is escaped');
    assert(m!.text.includes('Newsletter form error'), 'the facts are listed under the prose');
    const sent = requestText(fake.requests[0]!);
    assert(sent.includes('"healthScore":80') && sent.includes('"previousHealthScore":75'), sent);
    const [f] = await mailboxFor(other.email);
    assert(f!.text.includes("Fallback Shop's health score is 80, up 5"), f!.text);
  } finally {
    mailer.close();
    await fake.close();
    await closeDb();
  }
} });
