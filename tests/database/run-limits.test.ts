/**
 * Run limits and the shared rate counters (issue 14, docs/limits.md): "Run now" merges into a
 * manual run still queued, refuses with 429 + Retry-After + a sentence while one runs, within two
 * minutes of the last one, and above the hourly limit; the next window opens; other sites are
 * unaffected. Through PostgREST with a member's real JWT, as the dashboard calls it.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { stackInfo, withDb } from '@flowlens/stack/testing';
import { buildWorld, insertRow, type World } from './world.ts';

let w: World;

beforeAll(async () => {
  w = await buildWorld();
});

async function newSite(): Promise<string> {
  return withDb(async (db) => (await insertRow(db, 'sites', { organization_id: w.orgA, name: `Limits ${randomUUID().slice(0, 6)}`, base_url: 'https://l.example.com', viewports: ['desktop'] })).id as string);
}

async function runNow(siteId: string, actor: 'member' | 'stranger' = 'member') {
  const info = stackInfo();
  const res = await fetch(`${info.restUrl}/rpc/request_crawl`, {
    method: 'POST',
    headers: { apikey: info.anonKey, authorization: `Bearer ${w.users[actor].accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target_site: siteId }),
  });
  const body = (await res.json()) as unknown;
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: body as { message?: string; hint?: string; code?: string } & string };
}

const sql = (q: string, params: unknown[] = []) => withDb((db) => db.query(q, params));

describe('run now', () => {
  it('merges a second request into the manual run still queued', async () => {
    const site = await newSite();
    const first = await runNow(site);
    expect(first.status).toBe(200);
    const again = await runNow(site);
    expect(again.status).toBe(200);
    expect(again.body).toBe(first.body);
    expect((await sql(`select 1 from public.crawl_runs where site_id = $1`, [site])).rowCount).toBe(1);
  });

  it('refuses while a manual run is running, and within two minutes of the last one: 429, Retry-After, a sentence', async () => {
    const site = await newSite();
    const first = await runNow(site);
    await sql(`update public.crawl_runs set status = 'running', started_at = now() where id = $1`, [first.body]);
    const busy = await runNow(site);
    expect(busy.status).toBe(429);
    expect(busy.retryAfter).toBe('60');
    expect(busy.body.hint).toBe('rate_limited');
    expect(busy.body.message).toMatch(/A crawl of this site was requested at \d\d:\d\d:\d\d UTC; wait for it to finish \(or two minutes\)/);

    await sql(`update public.crawl_runs set status = 'completed', finished_at = now(), created_at = now() - interval '60 seconds' where id = $1`, [first.body]);
    const soon = await runNow(site);
    expect(soon.status).toBe(429);
    expect(Number(soon.retryAfter)).toBeGreaterThan(30);
    expect(Number(soon.retryAfter)).toBeLessThanOrEqual(60);

    await sql(`update public.crawl_runs set created_at = now() - interval '3 minutes' where id = $1`, [first.body]);
    const later = await runNow(site);
    expect(later.status).toBe(200);
    expect(later.body).not.toBe(first.body);
  });

  it('limits run-now crawls per site per hour; the next window opens; other sites go on', async () => {
    const site = await newSite();
    const other = await newSite();
    // Six runs in the last hour, spread out, all finished (the default limit is 6).
    for (let i = 0; i < 6; i++) {
      await sql(`insert into public.crawl_runs (site_id, trigger, status, created_at, started_at, finished_at) values ($1, 'manual', 'completed', now() - make_interval(mins => $2), now(), now())`, [site, 50 - i * 8]);
    }
    const refused = await runNow(site);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('hourly_limit');
    expect(refused.body.message).toMatch(/6 crawls on request in the last hour.*you can ask again at \d\d:\d\d UTC/);
    // The oldest of the six leaves the window in ~10 minutes.
    expect(Number(refused.retryAfter)).toBeGreaterThan(8 * 60);
    expect(Number(refused.retryAfter)).toBeLessThanOrEqual(10 * 60);
    expect((await runNow(other)).status).toBe(200);
    await sql(`update public.crawl_runs set created_at = created_at - interval '11 minutes' where site_id = $1`, [site]);
    expect((await runNow(site)).status).toBe(200);
  });

  it('follows an organisation’s own limit from private.limits', async () => {
    const org = await withDb(async (db) => (await insertRow(db, 'organizations', { name: 'Tight' })).id as string);
    await sql(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'member')`, [org, w.users.member.id]);
    const site = await withDb(async (db) => (await insertRow(db, 'sites', { organization_id: org, name: 'Tight site', base_url: 'https://t.example.com', viewports: ['desktop'] })).id as string);
    await sql(`insert into private.limits (name, organization_id, max_count, window_seconds) values ('manual_runs_per_site', $1, 1, 3600)`, [org]);
    const first = await runNow(site);
    expect(first.status).toBe(200);
    await sql(`update public.crawl_runs set status = 'completed', finished_at = now(), created_at = now() - interval '5 minutes' where id = $1`, [first.body]);
    const second = await runNow(site);
    expect(second.status).toBe(429);
    expect(second.body.message).toMatch(/1 crawls on request/);
  });

  it('still refuses a stranger before any limit', async () => {
    const site = await newSite();
    const r = await runNow(site, 'stranger');
    expect(r.status).toBe(403);
  });
});

describe('deploys recorded in SQL', () => {
  it('record_deploy goes through the same limits as the webhook: merge, crawling off, hourly limit', async () => {
    const site = await newSite();
    const record = async (delivery: string) =>
      (await sql(`select * from private.record_deploy($1, 'abc123', 'main', 'production', $2, now(), '{}')`, [site, delivery])).rows as { deploy_event_id: string; run_id: string }[];
    const [first] = await record(`d-${randomUUID()}`);
    const [second] = await record(`d-${randomUUID()}`);
    expect(second!.run_id).toBe(first!.run_id);
    await sql(`update public.sites set crawl_enabled = false where id = $1`, [site]);
    expect(await record(`d-${randomUUID()}`)).toEqual([]);
    await sql(`update public.sites set crawl_enabled = true where id = $1`, [site]);
    const org = await withDb(async (db) => (await db.query<{ organization_id: string }>('select organization_id from public.sites where id = $1', [site])).rows[0]!.organization_id);
    await sql(`insert into private.limits (name, organization_id, max_count, window_seconds) values ('deploy_runs_per_site', $1, 1, 3600) on conflict do nothing`, [org]);
    await sql(`update public.crawl_runs set status = 'running', started_at = now() where site_id = $1`, [site]);
    expect(await record(`d-${randomUUID()}`)).toEqual([]);
    expect((await sql(`select 1 from public.crawl_runs where site_id = $1`, [site])).rowCount).toBe(1);
  });
});

describe('invitations', () => {
  async function invite(actor: 'owner' | 'stranger', org: string) {
    const info = stackInfo();
    const res = await fetch(`${info.restUrl}/rpc/invite_member`, {
      method: 'POST',
      headers: { apikey: info.anonKey, authorization: `Bearer ${w.users[actor].accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ org_id: org, invitee_email: `inv-${randomUUID().slice(0, 8)}@flowlens.test` }),
    });
    return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as { message?: string; hint?: string } };
  }

  it('limits the invitations one organisation sends per hour (429, Retry-After); other organisations are unaffected; the next window opens', async () => {
    await sql(`insert into private.limits (name, organization_id, max_count, window_seconds) values ('invitations_per_org', $1, 2, 3600)`, [w.orgA]);
    expect((await invite('owner', w.orgA)).status).toBe(200);
    expect((await invite('owner', w.orgA)).status).toBe(200);
    const refused = await invite('owner', w.orgA);
    expect(refused.status).toBe(429);
    expect(Number(refused.retryAfter)).toBeGreaterThan(0);
    expect(refused.body.hint).toBe('rate_limited');
    expect(refused.body.message).toMatch(/sent 2 invitations in the last hour.*invite again in \d+ minutes/);
    expect((await sql(`select 1 from public.invitations where organization_id = $1`, [w.orgA])).rowCount).toBe(2);
    expect((await invite('stranger', w.orgB)).status).toBe(200);
    await sql(`update private.rate_counters set window_start = window_start - interval '1 hour' where name = 'invitations_per_org' and subject = $1`, [w.orgA]);
    expect((await invite('owner', w.orgA)).status).toBe(200);
  });
});

describe('notification preferences', () => {
  it('lets a member change their own preferences but not the address, user or site of their row; admins still can', async () => {
    const site = await newSite();
    const row = (await sql(`select id, email from public.notification_recipients where site_id = $1 and user_id = $2`, [site, w.users.member.id])).rows[0] as { id: string; email: string } | undefined;
    const id = row?.id ?? ((await sql(`insert into public.notification_recipients (site_id, user_id, email) values ($1, $2, $3) returning id`, [site, w.users.member.id, w.users.member.email.toLowerCase()])).rows[0] as { id: string }).id;
    const patch = async (actor: 'member' | 'admin', body: Record<string, unknown>) => {
      const info = stackInfo();
      const res = await fetch(`${info.restUrl}/notification_recipients?id=eq.${id}`, {
        method: 'PATCH',
        headers: { apikey: info.anonKey, authorization: `Bearer ${w.users[actor].accessToken}`, 'content-type': 'application/json', prefer: 'return=representation' },
        body: JSON.stringify(body),
      });
      return { status: res.status, body: (await res.json()) as unknown };
    };
    const own = await patch('member', { daily: false, weekly: false });
    expect(own.status).toBe(200);
    expect((own.body as { daily: boolean }[])[0]!.daily).toBe(false);
    const moved = await patch('member', { email: 'attacker@evil.example' });
    expect(moved.status).toBe(403);
    expect(JSON.stringify(moved.body)).toMatch(/not the address they go to/);
    const stolen = await patch('member', { user_id: w.users.owner.id });
    expect(stolen.status).toBe(403);
    const stored = (await sql(`select email, user_id from public.notification_recipients where id = $1`, [id])).rows[0] as { email: string; user_id: string };
    expect(stored.user_id).toBe(w.users.member.id);
    expect(stored.email).not.toBe('attacker@evil.example');
    expect((await patch('admin', { email: `moved-${randomUUID().slice(0, 6)}@flowlens.test` })).status).toBe(200);
  });
});

describe('shared rate counters', () => {
  it('allows up to the limit in a window, refuses after with the seconds to the next window, per subject', async () => {
    const name = `test_${randomUUID().slice(0, 8).replace(/-/g, '')}`;
    await sql(`insert into private.limits (name, max_count, window_seconds) values ($1, 3, 3600)`, [name]);
    const take = async (subject: string) =>
      (await sql(`select * from private.take_rate($1, $2)`, [name, subject])).rows[0] as { allowed: boolean; retry_after: number; max_count: number };
    expect([(await take('a')).allowed, (await take('a')).allowed, (await take('a')).allowed]).toEqual([true, true, true]);
    const fourth = await take('a');
    expect(fourth.allowed).toBe(false);
    expect(fourth.retry_after).toBeGreaterThan(0);
    expect(fourth.retry_after).toBeLessThanOrEqual(3600);
    expect((await take('b')).allowed).toBe(true);
    // The next window: move this window's counter an hour back.
    await sql(`update private.rate_counters set window_start = window_start - interval '1 hour' where name = $1`, [name]);
    expect((await take('a')).allowed).toBe(true);
    await expect(sql(`select * from private.take_rate('no_such_limit', 'x')`)).rejects.toThrow(/No rate limit named/);
  });

  it('is out of reach of every client role', async () => {
    const info = stackInfo();
    for (const path of ['/rpc/take_rate', '/limits', '/rate_counters']) {
      const res = await fetch(`${info.restUrl}${path}`, { method: path.startsWith('/rpc') ? 'POST' : 'GET', headers: { apikey: info.anonKey, authorization: `Bearer ${w.users.owner.accessToken}`, 'content-type': 'application/json' }, body: path.startsWith('/rpc') ? JSON.stringify({ p_limit: 'x', p_subject: 'y' }) : undefined });
      expect(res.status, path).toBeGreaterThanOrEqual(400);
    }
  });
});
