/**
 * Slack and webhook channels against the real stack and local receivers (issue 18): one Block Kit
 * message and one signed webhook per (site, kind, period, channel) however often notify runs; a
 * 500 retried with backoff; Slack's 404 no_service marking the channel failing and emailing its
 * admins once; egress refusals (private and metadata addresses, a redirect to the metadata
 * service); "Send a test" with the receiver's answer, for admins only; the daily briefing as a
 * compact Slack summary. The channel URL never appears in any stored error or answer.
 */
import { assert, assertEquals, callFunction, createSite, type Fixture, mailboxFor, signUpUser, STACK_TEST, testDb, uid } from '../_shared/testing.ts';
import { startSlackSink, startWebhookSink, type Sink } from './channel-sinks.ts';
import { seedBug, seedRun } from './fixtures.ts';

async function notify(site: Fixture, now?: string) {
  const res = await callFunction('notify', { body: { sites: [site.siteId], ...(now ? { now } : {}) } });
  const body = await res.json();
  assertEquals(res.status, 200, JSON.stringify(body));
  return body as {
    outcomes: { kind: string; status: string; delivered: number }[];
    channelOutcomes: { channelId: string; kind: string; status: string; httpStatus: number | null; error?: string }[];
  };
}

async function addChannel(site: Fixture, kind: 'slack' | 'webhook', url: string, opts: { daily?: boolean } = {}): Promise<{ id: string; secret: string }> {
  const row = (await testDb().query<{ id: string; signing_secret: string }>(
    `insert into public.alert_channels (site_id, kind, name, url, daily) values ($1, $2, $3, $4, $5) returning id, signing_secret`,
    [site.siteId, kind, `${kind} ${uid()}`, url, opts.daily ?? false],
  )).rows[0]!;
  return { id: row.id, secret: row.signing_secret };
}

/** A run with one P1, alerted the way finalisation and the policy write it. */
async function runWithP1(site: Fixture, title = 'Checkout button does nothing'): Promise<{ run: string; bug: string }> {
  const run = await seedRun(site, { score: 64 });
  const bug = await seedBug(site, { title, severity: 'P1', page: 'https://shop.example.com/checkout', runId: run, viewports: ['desktop', 'mobile'] });
  await testDb().query(
    `insert into public.notification_outbox (site_id, kind, period_key, run_id, payload)
     values ($1, 'instant', $2::text, $2::uuid, jsonb_build_object('runId', $2::text, 'bugIds', jsonb_build_array($3::text),
             'reasons', jsonb_build_object($3::text, 'sent at once because this P1 is new'), 'policy', 'Alerts at once on a new or returning P0/P1 bug.'))`,
    [site.siteId, run, bug],
  );
  return { run, bug };
}

async function deliveries(site: Fixture) {
  return (await testDb().query<{ channel_id: string; kind: string; status: string; attempts: number; last_status: number | null; last_answer: string | null; last_error: string | null; next_attempt_at: Date }>(
    'select channel_id, kind, status, attempts, last_status, last_answer, last_error, next_attempt_at from public.channel_deliveries where site_id = $1 order by created_at',
    [site.siteId],
  )).rows;
}

async function channelRow(id: string) {
  return (await testDb().query<{ status: string; consecutive_failures: number; last_error: string | null; url_hint: string }>(
    'select status, consecutive_failures, last_error, url_hint from public.alert_channels where id = $1',
    [id],
  )).rows[0]!;
}

async function withSinks(fn: (slack: Sink, hook: Sink, secrets: Map<string, string>) => Promise<void>): Promise<void> {
  const secrets = new Map<string, string>();
  const slack = startSlackSink();
  const hook = startWebhookSink((path) => secrets.get(path));
  try {
    await fn(slack, hook, secrets);
  } finally {
    await slack.close();
    await hook.close();
  }
}

Deno.test({ name: 'channels: one Block Kit message and one signed webhook per alert, however often notify runs', ...STACK_TEST, async fn() {
  await withSinks(async (slack, hook, secrets) => {
    const site = await createSite({ name: 'Lumen <Supply>' });
    const slackPath = `/services/T0/B0/ok-${uid()}`;
    const hookPath = `/hooks/${uid()}`;
    const sc = await addChannel(site, 'slack', `${slack.url}${slackPath}`);
    const wc = await addChannel(site, 'webhook', `${hook.url}${hookPath}`);
    secrets.set(hookPath, wc.secret);
    const { run, bug } = await runWithP1(site, 'Pay <!channel> button & more');

    const [a, b] = await Promise.all([notify(site), notify(site)]);
    await notify(site);
    const sent = [...a.channelOutcomes, ...b.channelOutcomes].filter((o) => o.status === 'sent');
    assertEquals(sent.map((o) => o.channelId).sort(), [sc.id, wc.id].sort());
    assertEquals(slack.received.length, 1);
    assertEquals(hook.received.length, 1);

    const msg = slack.received[0]!;
    assertEquals(msg.answer, 200, msg.body);
    const text = msg.body;
    assert(text.includes('Pay &lt;!channel&gt; button &amp; more'), 'the title is escaped for mrkdwn (no @channel, no forged link)');
    assert(!text.includes('<!channel>'), 'no mention reaches Slack');
    assert(text.includes('https://shop.example.com/checkout') && text.includes('desktop, mobile'), 'page and viewports');
    assert(text.includes(`/sites/${site.siteId}/bugs/${bug}|Open in FlowLens>`), 'a link to the bug');
    assert(text.includes('Sent at once because this P1 is new'), 'the policy in words next to the alert');
    assert(text.includes('Lumen &lt;Supply&gt;'), 'the site name, escaped');
    assert(text.includes('Health score: *64*'), 'the score');

    const w = hook.received[0]!;
    assertEquals(w.answer, 200, 'the webhook sink verified the signature');
    assertEquals(w.headers['x-flowlens-event'], 'alert.instant');
    const body = w.json as { version: number; id: string; event: string; site: { id: string; name: string }; run: { id: string }; bugs: { id: string; severity: string; title: string; reason: string; viewports: string[] }[] };
    assertEquals([body.version, body.event, body.site.id, body.site.name, body.run.id], [1, 'alert.instant', site.siteId, 'Lumen <Supply>', run]);
    assertEquals(body.bugs.map((x) => [x.id, x.severity, x.title, x.reason, x.viewports]), [[bug, 'P1', 'Pay <!channel> button & more', 'sent at once because this P1 is new', ['desktop', 'mobile']]]);
    assertEquals(w.headers['x-flowlens-delivery'], body.id);

    const rows = await deliveries(site);
    assertEquals(rows.map((r) => [r.kind, r.status, r.attempts, r.last_status]), [['instant', 'sent', 1, 200], ['instant', 'sent', 1, 200]]);
    // Exactly once per (site, kind, period, channel), enforced by the database too.
    let refused = false;
    try {
      await testDb().query(`insert into public.channel_deliveries (outbox_id, channel_id, site_id, kind, period_key)
        select outbox_id, channel_id, site_id, kind, period_key from public.channel_deliveries where channel_id = $1`, [sc.id]);
    } catch {
      refused = true;
    }
    assert(refused, 'a second delivery for the same (site, kind, period, channel) is refused');
  });
} });

Deno.test({ name: 'channels: a 500 from Slack is retried with backoff and delivered later', ...STACK_TEST, async fn() {
  await withSinks(async (slack) => {
    const site = await createSite();
    const ch = await addChannel(site, 'slack', `${slack.url}/services/T0/B0/flaky-${uid()}`);
    await runWithP1(site);
    const first = await notify(site);
    assertEquals(first.channelOutcomes.map((o) => [o.status, o.httpStatus]), [['pending', 500]]);
    const [d] = await deliveries(site);
    assertEquals([d!.status, d!.attempts, d!.last_status, d!.last_answer], ['pending', 1, 500, 'rollup_error']);
    assert(d!.next_attempt_at.getTime() > Date.now() + 30_000, 'backs off before retrying');
    assertEquals((await notify(site)).channelOutcomes, [], 'not due yet');
    const retry = await notify(site, new Date(Date.now() + 2 * 60_000).toISOString());
    assertEquals(retry.channelOutcomes.map((o) => o.status), ['sent']);
    assertEquals(slack.received.map((r) => r.answer), [500, 200]);
    const c = await channelRow(ch.id);
    assertEquals([c.status, c.consecutive_failures], ['ok', 0]);
  });
} });

Deno.test({ name: 'channels: Slack says 404 no_service → the channel is failing and its admins are emailed once', ...STACK_TEST, async fn() {
  await withSinks(async (slack) => {
    const site = await createSite();
    const admin = await signUpUser();
    const member = await signUpUser();
    await testDb().query(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'admin'), ($1, $3, 'member')`, [site.organizationId, admin.id, member.id]);
    const token = `revoked-${crypto.randomUUID()}`;
    const ch = await addChannel(site, 'slack', `${slack.url}/services/T0/B0/${token}`);
    await runWithP1(site);
    const res = await notify(site);
    assertEquals(res.channelOutcomes.map((o) => [o.status, o.httpStatus]), [['failed', 404]]);
    const c = await channelRow(ch.id);
    assertEquals(c.status, 'failing');
    assert(c.last_error?.includes('no_service'), c.last_error ?? '');
    const [d] = await deliveries(site);
    assertEquals([d!.status, d!.last_answer], ['failed', 'no_service']);

    // A second alert to the same dead channel: still one email to the admin, none to the member.
    await runWithP1(site, 'Another one');
    await notify(site);
    await notify(site);
    const adminMail = (await mailboxFor(admin.email)).filter((m) => m.subject.includes('keeps failing'));
    assertEquals(adminMail.length, 1);
    assert(adminMail[0]!.text.includes('no_service'), adminMail[0]!.text);
    assert(adminMail[0]!.text.includes(c.url_hint), 'names the channel by its hint');
    assertEquals((await mailboxFor(member.email)).filter((m) => m.subject.includes('keeps failing')).length, 0);

    // The URL's secret part is nowhere: not in errors, answers, the hint or the email.
    const stored = JSON.stringify([await deliveries(site), await channelRow(ch.id), adminMail]);
    assert(!stored.includes(token), 'the channel URL never appears');
  });
} });

Deno.test({ name: 'channels: private and metadata addresses and a redirect to the metadata service are refused', ...STACK_TEST, async fn() {
  await withSinks(async (slack) => {
    const site = await createSite();
    const secret = crypto.randomUUID();
    const a = await addChannel(site, 'webhook', `http://10.1.2.3/hook/${secret}`);
    const b = await addChannel(site, 'webhook', `https://169.254.169.254/latest/${secret}`);
    const c = await addChannel(site, 'slack', `${slack.url}/services/T0/B0/moved-${secret}`);
    const d = await addChannel(site, 'webhook', `https://[fd00::1]/${secret}`);
    await runWithP1(site);
    const res = await notify(site);
    const by = new Map(res.channelOutcomes.map((o) => [o.channelId, o]));
    for (const ch of [a, b, d]) {
      assertEquals(by.get(ch.id)?.status, 'failed');
      assert(by.get(ch.id)?.error?.includes('private, loopback, link-local or reserved'), by.get(ch.id)?.error ?? '');
    }
    assert(by.get(c.id)?.error?.includes('after a redirect'), by.get(c.id)?.error ?? '');
    assertEquals(slack.received.length, 1, 'only the first hop reached the (loopback) sink; the redirect target was never contacted');
    const stored = JSON.stringify([await deliveries(site), res]);
    assert(!stored.includes(secret), 'no URL in any error');
  });
} });

Deno.test({ name: 'channels: "Send a test" shows the receiver\'s answer, for owners and admins only', ...STACK_TEST, async fn() {
  await withSinks(async (slack, hook, secrets) => {
    const site = await createSite({ name: 'Test shop' });
    const admin = await signUpUser();
    const member = await signUpUser();
    const stranger = await signUpUser();
    await testDb().query(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'admin'), ($1, $3, 'member')`, [site.organizationId, admin.id, member.id]);
    const good = await addChannel(site, 'slack', `${slack.url}/services/T0/B0/ok-${uid()}`);
    const dead = await addChannel(site, 'slack', `${slack.url}/services/T0/B0/revoked-${uid()}`);
    const hookPath = `/h/${uid()}`;
    const wh = await addChannel(site, 'webhook', `${hook.url}${hookPath}`);
    secrets.set(hookPath, wh.secret);

    const test = async (token: string, channel: string) => {
      const r = await callFunction('channels', { key: token, body: { channel_id: channel } });
      return { status: r.status, body: await r.json() as { ok?: boolean; status?: number; answer?: string; error?: string } };
    };
    const ok = await test(admin.accessToken, good.id);
    assertEquals([ok.status, ok.body.ok, ok.body.status, ok.body.answer], [200, true, 200, 'ok']);
    assertEquals(slack.received.at(-1)!.answer, 200, 'the test message is valid Block Kit');
    const bad = await test(admin.accessToken, dead.id);
    assertEquals([bad.status, bad.body.ok, bad.body.status, bad.body.answer], [200, false, 404, 'no_service']);
    const signed = await test(admin.accessToken, wh.id);
    assertEquals([signed.body.ok, signed.body.status], [true, 200]);
    assertEquals((hook.received.at(-1)!.json as { event: string }).event, 'channel.test');
    assertEquals((await test(admin.accessToken, good.id)).status, 429, 'one test per channel every few seconds');
    assertEquals((await test(member.accessToken, good.id)).status, 403);
    assertEquals((await test(stranger.accessToken, good.id)).status, 404);
    assertEquals((await callFunction('channels', { key: null, body: { channel_id: good.id } })).status, 401);
  });
} });

Deno.test({ name: 'channels: the daily briefing reaches Slack as a compact summary, once', ...STACK_TEST, async fn() {
  await withSinks(async (slack) => {
    const site = await createSite({ name: 'Brief shop', timezone: 'Europe/Paris' });
    await addChannel(site, 'slack', `${slack.url}/services/T0/B0/ok-${uid()}`, { daily: true });
    await seedRun(site, { finishedAt: '2027-01-19T01:30:00Z', score: 75 });
    const today = await seedRun(site, { finishedAt: '2027-01-20T01:30:00Z', score: 80 });
    await seedBug(site, { title: 'Newsletter form error', severity: 'P1', firstSeenAt: '2027-01-20T01:29:00Z', runId: today });
    await notify(site, '2027-01-20T08:05:00Z');
    await notify(site, '2027-01-20T08:10:00Z');
    assertEquals(slack.received.length, 1);
    const m = slack.received[0]!;
    assertEquals(m.answer, 200, m.body);
    assert(m.body.includes('Daily briefing for Brief shop'), m.body);
    assert(m.body.includes('Health score: *80* (+5 from 75)'), m.body);
    assert(m.body.includes('*New:* 1'), m.body);
    assert(m.body.includes('Newsletter form error'), m.body);
  });
} });
