/**
 * Issue 14 against the real stack and SMTP sink: an external recipient an admin adds confirms by a
 * link before any alert reaches it (members' own addresses need not); changing the address resets
 * it; resending is limited per recipient and per organisation; the per-site daily cap on alert
 * emails holds later alerts for one "and N more" email, sent once, and the next day opens.
 */
import { assert, assertEquals, callFunction, createSite, type Fixture, mailboxFor, signUpUser, STACK_TEST, stackInfo, testDb, uid } from '../_shared/testing.ts';
import { seedBug, seedInstantOutbox, seedRun } from './fixtures.ts';
import type { InstantFacts } from './facts.ts';
import { renderOverflow } from './render.ts';

interface Outcomes {
  confirmations: { recipientId: string; status: string }[];
  outcomes: { id: string; kind: string; status: string; delivered: number; periodKey: string }[];
}

async function notify(sites: Fixture[], now?: string): Promise<Outcomes> {
  const res = await callFunction('notify', { body: { sites: sites.map((s) => s.siteId), ...(now ? { now } : {}) } });
  const body = await res.json();
  assertEquals(res.status, 200, JSON.stringify(body));
  return body as Outcomes;
}

/** PostgREST as a signed-in user. */
async function rest(path: string, token: string, init: { method?: string; body?: unknown } = {}) {
  const info = stackInfo();
  const res = await fetch(`${info.apiUrl}/rest/v1${path}`, {
    method: init.method ?? 'GET',
    headers: { apikey: info.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json', prefer: 'return=representation' },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null };
}

async function addMember(site: Fixture, role: 'admin' | 'member') {
  const user = await signUpUser();
  await testDb().query('insert into public.organization_members (organization_id, user_id, role, email) values ($1, $2, $3, $4)', [site.organizationId, user.id, role, user.email]);
  return user;
}

async function recipientRow(id: string) {
  return (await testDb().query<{ email: string; confirmed_at: Date | null; confirmation_sent_at: Date | null }>(
    'select email, confirmed_at, confirmation_sent_at from public.notification_recipients where id = $1',
    [id],
  )).rows[0]!;
}

async function alert(site: Fixture, title: string, finishedAt?: string): Promise<string> {
  const run = await seedRun(site, { finishedAt });
  const bug = await seedBug(site, { title, severity: 'P1', runId: run });
  return await seedInstantOutbox(site, run, [bug]);
}

const confirmLink = (text: string) => /Review and confirm: (\S+)/.exec(text)?.[1];

Deno.test({ name: 'confirmation: an address an admin adds hears nothing until it confirms by the link; members need not confirm', ...STACK_TEST, async fn() {
  const site = await createSite({ name: 'Confirm <b>Shop</b>' });
  const admin = await addMember(site, 'admin');
  const external = `outside-${uid()}@example.com`;

  // The admin adds the address and tries to mark it confirmed: the database decides, not the client.
  const added = await rest('/notification_recipients', admin.accessToken, { method: 'POST', body: { site_id: site.siteId, email: external, confirmed_at: '2020-01-01T00:00:00Z' } });
  assertEquals(added.status, 201, JSON.stringify(added.body));
  const id = added.body[0].id as string;
  assertEquals(added.body[0].confirmed_at, null);
  const adminRow = (await testDb().query<{ confirmed_at: Date | null }>('select confirmed_at from public.notification_recipients where site_id = $1 and user_id = $2', [site.siteId, admin.id])).rows[0]!;
  assert(adminRow.confirmed_at, "a member's own address counts as confirmed");

  await alert(site, 'Checkout is broken');
  const first = await notify([site]);
  assertEquals(first.confirmations.map((c) => [c.recipientId, c.status]), [[id, 'sent']]);
  assertEquals(first.outcomes.filter((o) => o.kind === 'instant').map((o) => [o.status, o.delivered]), [['sent', 2]], 'the owner and the admin, not the new address');
  assertEquals((await mailboxFor(admin.email)).length, 1);
  const mails = await mailboxFor(external);
  assertEquals(mails.map((m) => m.subject), ['[FlowLens] Confirm alerts about Confirm <b>Shop</b>']);
  const m = mails[0]!;
  assert(m.text.includes(`${admin.email} of Edge test`) && m.text.includes('sends nothing to this address until you confirm'), m.text);
  assert(!m.html!.includes('<b>Shop</b>') && m.html!.includes('&lt;b&gt;Shop&lt;/b&gt;'), 'the site name is escaped in the email');
  const link = confirmLink(m.text);
  assert(link, m.text);

  // Once: a second notify does not send it again.
  assertEquals((await notify([site])).confirmations, []);
  assertEquals((await mailboxFor(external)).length, 1);

  // GET shows what is asked, escaped, and changes nothing (mail scanners follow links).
  const get = await fetch(link);
  const html = await get.text();
  assertEquals(get.status, 200);
  assert(html.includes('Receive FlowLens alerts?') && html.includes('<form method="post"') && html.includes(admin.email), html);
  assert(!html.includes('<b>Shop</b>') && html.includes('&lt;b&gt;Shop&lt;/b&gt;'), 'the site name is escaped on the page');
  assertEquals((await recipientRow(id)).confirmed_at, null);

  // A forged signature confirms nothing.
  const forged = await fetch(link.replace(/\.[^.]+$/, '.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA'), { method: 'POST' });
  assertEquals(forged.status, 400);
  await forged.body?.cancel();
  assertEquals((await recipientRow(id)).confirmed_at, null);

  const post = await fetch(link, { method: 'POST' });
  assertEquals(post.status, 200);
  assert((await post.text()).includes('Confirmed'));
  assert((await recipientRow(id)).confirmed_at, 'confirmed');
  const again = await fetch(link, { method: 'POST' });
  assert((await again.text()).includes('Already confirmed'), 'twice is harmless');

  await alert(site, 'Search returns nothing');
  const second = await notify([site]);
  assertEquals(second.outcomes.filter((o) => o.kind === 'instant').map((o) => [o.status, o.delivered]), [['sent', 3]]);
  const after = await mailboxFor(external);
  assertEquals(after.length, 2);
  assert(after.some((x) => x.text.includes('Search returns nothing')), 'the confirmed address gets alerts');

  // An outside address whose owner then joins the organisation (invitation accepted while signed in
  // with it) has shown it is theirs: it counts as confirmed.
  const joiner = await signUpUser();
  const pre = await rest('/notification_recipients', admin.accessToken, { method: 'POST', body: { site_id: site.siteId, email: joiner.email } });
  assertEquals(pre.body[0].confirmed_at, null);
  const invited = await rest('/rpc/invite_member', admin.accessToken, { method: 'POST', body: { org_id: site.organizationId, invitee_email: joiner.email, invitee_role: 'member' } });
  assertEquals(invited.status, 200, JSON.stringify(invited.body));
  const accepted = await rest('/rpc/accept_invitation', joiner.accessToken, { method: 'POST', body: { invitation_token: invited.body[0].token } });
  assertEquals(accepted.status, 200, JSON.stringify(accepted.body));
  assert((await recipientRow(pre.body[0].id)).confirmed_at, 'confirmed by joining');
} });

Deno.test({ name: 'confirmation: a new address starts over (old links fail); resend is for admins and limited; other organisations unaffected', ...STACK_TEST, async fn() {
  const site = await createSite();
  const admin = await addMember(site, 'admin');
  const member = await addMember(site, 'member');
  const first = `first-${uid()}@example.com`;
  const added = await rest('/notification_recipients', admin.accessToken, { method: 'POST', body: { site_id: site.siteId, email: first } });
  assertEquals(added.status, 201, JSON.stringify(added.body));
  const id = added.body[0].id as string;
  await notify([site]);
  const oldLink = confirmLink((await mailboxFor(first))[0]!.text)!;
  assert((await (await fetch(oldLink, { method: 'POST' })).text()).includes('Confirmed'));
  assert((await recipientRow(id)).confirmed_at);

  // The admin points the row at another address: confirmation starts over, the old link is dead.
  const second = `second-${uid()}@example.com`;
  const moved = await rest(`/notification_recipients?id=eq.${id}`, admin.accessToken, { method: 'PATCH', body: { email: second } });
  assertEquals(moved.status, 200, JSON.stringify(moved.body));
  assertEquals((await recipientRow(id)).confirmed_at, null);
  const dead = await fetch(oldLink, { method: 'POST' });
  assertEquals(dead.status, 400);
  await dead.body?.cancel();
  assertEquals((await recipientRow(id)).confirmed_at, null);
  // Nor can the admin confirm it themselves.
  await rest(`/notification_recipients?id=eq.${id}`, admin.accessToken, { method: 'PATCH', body: { confirmed_at: new Date().toISOString() } });
  assertEquals((await recipientRow(id)).confirmed_at, null);

  await alert(site, 'Cart total is wrong');
  const out = await notify([site]);
  assertEquals(out.confirmations.map((c) => c.recipientId), [id]);
  assertEquals((await mailboxFor(second)).filter((m) => m.subject.startsWith('[FlowLens] Confirm')).length, 1);
  assert(!(await mailboxFor(second)).some((m) => m.text.includes('Cart total is wrong')), 'no alert before confirming');

  // Resend: a member may not; an admin may, until the per-recipient limit (3 an hour: adding the
  // row and changing its address counted as one each).
  const byMember = await rest('/rpc/resend_recipient_confirmation', member.accessToken, { method: 'POST', body: { target_recipient: id } });
  assertEquals(byMember.status, 403, JSON.stringify(byMember.body));
  const ok = await rest('/rpc/resend_recipient_confirmation', admin.accessToken, { method: 'POST', body: { target_recipient: id } });
  assertEquals(ok.status, 200, JSON.stringify(ok.body));
  assertEquals((await notify([site])).confirmations.map((c) => c.status), ['sent']);
  assertEquals((await mailboxFor(second)).filter((m) => m.subject.startsWith('[FlowLens] Confirm')).length, 2);
  const refused = await rest('/rpc/resend_recipient_confirmation', admin.accessToken, { method: 'POST', body: { target_recipient: id } });
  assertEquals(refused.status, 429, JSON.stringify(refused.body));
  assertEquals(refused.body.hint, 'rate_limited');
  assertEquals(refused.body.code, 'confirmation_limit');
  assert(/3 confirmation emails in the last hour/.test(refused.body.message), refused.body.message);
  assert(Number(refused.headers.get('retry-after')) > 0, 'Retry-After');
  assertEquals((await notify([site])).confirmations, [], 'nothing more is sent');

  // Another organisation's admin is not affected by this one's count.
  const otherSite = await createSite();
  const otherAdmin = await addMember(otherSite, 'admin');
  const otherAdded = await rest('/notification_recipients', otherAdmin.accessToken, { method: 'POST', body: { site_id: otherSite.siteId, email: `other-${uid()}@example.com` } });
  assertEquals(otherAdded.status, 201);
  const otherResend = await rest('/rpc/resend_recipient_confirmation', otherAdmin.accessToken, { method: 'POST', body: { target_recipient: otherAdded.body[0].id } });
  assertEquals(otherResend.status, 200, JSON.stringify(otherResend.body));

  // The organisation's own budget: with 1 left, a second new address is refused and not stored.
  await testDb().query(`insert into private.limits (name, organization_id, max_count, window_seconds) values ('confirmation_emails_per_org', $1, 1, 3600)`, [otherSite.organizationId]);
  const overOrg = await rest('/notification_recipients', otherAdmin.accessToken, { method: 'POST', body: { site_id: otherSite.siteId, email: `more-${uid()}@example.com` } });
  assertEquals(overOrg.status, 429, JSON.stringify(overOrg.body));
  assert(/confirmation emails in the last hour/.test(overOrg.body.message), overOrg.body.message);
  assertEquals((await testDb().query('select count(*)::int as n from public.notification_recipients where site_id = $1 and user_id is null', [otherSite.siteId])).rows[0].n, 2, 'the refused address is not stored');

  // The next window opens.
  await testDb().query(`update private.rate_counters set window_start = window_start - interval '1 hour' where name = 'confirmation_emails_per_recipient' and subject = $1`, [id]);
  const reopened = await rest('/rpc/resend_recipient_confirmation', admin.accessToken, { method: 'POST', body: { target_recipient: id } });
  assertEquals(reopened.status, 200, JSON.stringify(reopened.body));

  // A confirmed address cannot be re-sent to.
  const link = confirmLink((await mailboxFor(second))[0]!.text)!;
  assert((await (await fetch(link, { method: 'POST' })).text()).includes('Confirmed'));
  const done = await rest('/rpc/resend_recipient_confirmation', admin.accessToken, { method: 'POST', body: { target_recipient: id } });
  assertEquals(done.status, 400, JSON.stringify(done.body));
  assert(/already confirmed/.test(done.body.message));
} });

Deno.test({ name: 'daily cap: alerts past the cap are held and go out once as "and N more" when the day ends; the next day opens; other tenants unaffected', ...STACK_TEST, async fn() {
  const site = await createSite({ name: 'Busy Shop' });
  const calm = await createSite({ name: 'Calm Shop' });
  // This organisation's cap is 2 a day (an override row; the default, 10, stays for everyone else).
  await testDb().query(`insert into private.limits (name, organization_id, max_count, window_seconds) values ('alert_emails_per_site_day', $1, 2, 86400)`, [site.organizationId]);

  const titles: Record<string, string> = {};
  for (let i = 1; i <= 4; i++) titles[await alert(site, `Busy bug ${i}`)] = `Busy bug ${i}`;
  for (let i = 1; i <= 3; i++) await alert(calm, `Calm bug ${i}`);

  const noon = await notify([site, calm], '2027-02-10T12:00:00Z');
  const busy = noon.outcomes.filter((o) => o.kind === 'instant' && titles[o.id]);
  assertEquals(busy.map((o) => o.status).sort(), ['over_cap', 'over_cap', 'sent', 'sent']);
  assertEquals((await mailboxFor(site.email)).length, 2);
  assertEquals((await mailboxFor(calm.email)).length, 3, 'another tenant keeps its own (default) cap');

  // Still the same day: one more alert is held too; nothing else is sent.
  const late = await alert(site, 'Busy bug 5');
  titles[late] = 'Busy bug 5';
  const evening = await notify([site], '2027-02-10T22:00:00Z');
  assertEquals(evening.outcomes.filter((o) => o.kind === 'instant').map((o) => o.status), ['over_cap']);
  assertEquals((await mailboxFor(site.email)).length, 2);

  // The site's day ends (UTC): one email lists the held alerts.
  const held = (await testDb().query<{ id: string }>(`select id from public.notification_outbox where site_id = $1 and status = 'over_cap'`, [site.siteId])).rows.map((r) => titles[r.id]!).sort();
  assertEquals(held.length, 3);
  const midnight = await notify([site], '2027-02-11T00:05:00Z');
  assertEquals(midnight.outcomes.filter((o) => o.kind === 'alert_overflow').map((o) => [o.status, o.periodKey, o.delivered]), [['sent', '2027-02-10', 1]]);
  const mails = await mailboxFor(site.email);
  assertEquals(mails.length, 3);
  const digest = mails.find((x) => x.subject.includes('and 3 more alerts'));
  assert(digest, mails.map((x) => x.subject).join('\n'));
  assert(digest.text.includes('at most 2 alert emails a day'), digest.text);
  for (const t of Object.values(titles)) {
    assertEquals(digest.text.includes(t), held.includes(t), `${t} is listed exactly when it was held:\n${digest.text}`);
  }
  assert(digest.headers['list-unsubscribe'] ?? digest.headers['List-Unsubscribe'], 'unsubscribe header');

  // Exactly once.
  assertEquals((await notify([site], '2027-02-11T00:10:00Z')).outcomes.filter((o) => o.kind === 'alert_overflow'), []);
  assertEquals((await mailboxFor(site.email)).length, 3);

  // An alert of that day handled after its list was sent goes out on its own rather than into a
  // list already sent.
  await alert(site, 'Busy bug handled late');
  const lateOne = await notify([site], '2027-02-10T23:59:00Z');
  assertEquals(lateOne.outcomes.filter((o) => o.kind === 'instant').map((o) => o.status), ['sent']);
  assertEquals((await mailboxFor(site.email)).length, 4);

  // A new day opens the cap again.
  await alert(site, 'Busy bug of the next day');
  const next = await notify([site], '2027-02-11T10:00:00Z');
  assertEquals(next.outcomes.filter((o) => o.kind === 'instant').map((o) => o.status), ['sent']);
  assertEquals((await mailboxFor(site.email)).length, 5);
} });

Deno.test('"and N more" email: a long day is cut after the listed alerts and says how many more; page text is escaped', () => {
  const site = { id: 'site-1', name: 'Shop <i>x</i>', baseUrl: 'https://shop.example.com', timezone: 'Europe/Paris' };
  const alert = (n: number): InstantFacts => ({
    kind: 'instant', site, runId: `run-${n}`, runTrigger: 'deploy', runFinishedAt: new Date('2027-02-10T15:00:00Z'), healthScore: 60, previousScore: 70,
    bugs: [{ id: `bug-${n}`, title: `<script>alert(${n})</script>`, severity: 'P1', type: 'js_error', status: 'new', page: '/checkout', viewports: ['desktop'], firstSeenAt: new Date('2027-02-10T14:00:00Z'), fixedAt: null, timesRegressed: 0 }],
    deploy: null, reasons: {}, flapping: [], policy: null,
  });
  const links = { dashboard: 'https://app.example.com', preferences: 'https://app.example.com/p', unsubscribeKind: 'https://u/k', unsubscribeAll: 'https://u/a' };
  const m = renderOverflow({ site, localDate: '2027-02-10', cap: 10, alerts: [alert(1), alert(2)], total: 5 }, links);
  assertEquals(m.subject, '[FlowLens] Shop <i>x</i>: and 5 more alerts on 2027-02-10');
  assert(m.text.includes('here are the first 2 of the 5 alerts held that day'), m.text);
  assert(m.text.includes('…and 3 more alerts that day, not listed here'), m.text);
  assert(m.text.includes('https://app.example.com/sites/site-1/runs/run-2'), m.text);
  assert(!m.html.includes('<script>') && m.html.includes('&lt;script&gt;alert(1)&lt;/script&gt;'), 'titles are escaped');
  assert(!m.html.includes('<i>x</i>'), 'the site name is escaped');
});
