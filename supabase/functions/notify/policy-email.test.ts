/**
 * The alert policy in the emails (issue 18): each bug's reason next to it and the policy in words in
 * an instant alert; a flapping notice with no bug of its own still goes out; alerts held by quiet
 * hours are listed in the next daily briefing.
 */
import { assert, assertEquals, callFunction, createSite, type Fixture, mailboxFor, STACK_TEST, testDb } from '../_shared/testing.ts';
import { seedBug, seedRun } from './fixtures.ts';

async function notify(site: Fixture, now?: string) {
  const res = await callFunction('notify', { body: { sites: [site.siteId], ...(now ? { now } : {}) } });
  assertEquals(res.status, 200);
  return await res.json() as { outcomes: { kind: string; status: string }[] };
}

Deno.test({ name: 'policy emails: the reason sits next to each bug and the policy is named', ...STACK_TEST, async fn() {
  const site = await createSite({ name: 'Reason shop' });
  const run = await seedRun(site, { score: 60 });
  const bug = await seedBug(site, { title: 'Checkout failed', severity: 'P0', type: 'flow_broken', runId: run, status: 'active' });
  await testDb().query(
    `insert into public.notification_outbox (site_id, kind, period_key, run_id, payload) values ($1, 'instant', $2::text, $2::uuid,
       jsonb_build_object('runId', $2::text, 'bugIds', jsonb_build_array($3::text),
         'reasons', jsonb_build_object($3::text, 'sent because the Checkout flow failed 2 nights in a row'),
         'policy', 'Alerts once a P0/P1 bug was seen in 2 runs in a row.'))`,
    [site.siteId, run, bug],
  );
  await notify(site);
  const [m] = await mailboxFor(site.email);
  assert(m, 'the alert arrived');
  assert(m.text.includes('Sent because the Checkout flow failed 2 nights in a row'), m.text);
  assert(m.text.includes('Alert policy: Alerts once a P0/P1 bug was seen in 2 runs in a row.'), m.text);
  assert(m.html!.includes('Sent because the Checkout flow failed 2 nights in a row'), 'in the HTML too');
} });

Deno.test({ name: 'policy emails: a flapping notice goes out on its own', ...STACK_TEST, async fn() {
  const site = await createSite({ name: 'Flappy shop' });
  const run = await seedRun(site, { score: 70 });
  const flow = (await testDb().query<{ id: string }>(`insert into public.flows (site_id, name, start_url) values ($1, 'Sign up', 'https://x.example.com/') returning id`, [site.siteId])).rows[0]!.id;
  await testDb().query(
    `insert into public.notification_outbox (site_id, kind, period_key, run_id, payload) values ($1, 'instant', $2::text, $2::uuid,
       jsonb_build_object('runId', $2::text, 'bugIds', '[]'::jsonb, 'flapping', jsonb_build_array(jsonb_build_object(
         'flowId', $3::text, 'flowName', 'Sign up', 'flips', 4, 'windowDays', 7,
         'reason', 'the Sign up flow flipped between passed and failed 4 times in 7 days: reported once as flapping instead of alerting on each flip'))))`,
    [site.siteId, run, flow],
  );
  const res = await notify(site);
  assertEquals(res.outcomes.filter((o) => o.kind === 'instant').map((o) => o.status), ['sent']);
  const [m] = await mailboxFor(site.email);
  assertEquals(m?.subject, '[FlowLens] Flappy shop: Sign up is flapping');
  assert(m!.text.includes('The Sign up flow flipped between passed and failed 4 times in 7 days'), m!.text);
} });

Deno.test({ name: 'policy emails: alerts held by quiet hours are in the next daily briefing', ...STACK_TEST, async fn() {
  const site = await createSite({ name: 'Quiet shop', timezone: 'Europe/Paris' });
  const run = await seedRun(site, { finishedAt: '2027-01-19T23:30:00Z', score: 77 });
  const bug = await seedBug(site, { title: 'Cart total wrong', severity: 'P1', firstSeenAt: '2027-01-19T23:29:00Z', runId: run });
  await testDb().query(
    `insert into public.alert_decisions (site_id, run_id, bug_id, episode, decision, severity, reason, decided_at)
     values ($1, $2, $3, 0, 'held', 'P1', 'held for the next daily briefing: found during quiet hours 22:00–07:00 (Europe/Paris), and only P0 alerts then', '2027-01-19T23:30:00Z')`,
    [site.siteId, run, bug],
  );
  await notify(site, '2027-01-20T08:05:00Z');
  const [m] = (await mailboxFor(site.email)).filter((x) => x.subject.includes('Daily briefing'));
  assert(m, 'the briefing arrived');
  assert(m.text.includes('Held during quiet hours (1)'), m.text);
  assert(m.text.includes('[P1] Cart total wrong — Held for the next daily briefing: found during quiet hours 22:00–07:00 (Europe/Paris)'), m.text);
  assert(m.text.includes('1 alert was held during quiet hours'), m.text);
} });
