/**
 * The RLS matrix (issue 2): for every table and every exposed function, an owner, an admin, a
 * member, a member of another organisation (stranger) and an anonymous caller each try select,
 * insert, update and delete through PostgREST with real JWTs. Tables and functions are enumerated
 * from the database itself: a new table without RLS, or without an entry here, fails this test.
 *
 * Expectations come from the roles in supabase/migrations: members read everything of their
 * organisation, record flows and act on bugs; admins also manage sites, recipients, invitations;
 * owners also delete sites and the organisation and change roles. Strangers and anonymous callers
 * see nothing and change nothing. Writes the crawler and edge functions make go through the service
 * role, so no client role may make them.
 */
import { randomUUID } from 'node:crypto';
import { beforeAll, describe, expect, it } from 'vitest';
import { rest, withDb } from '@flowlens/stack/testing';
import { ACTORS, buildWorld, createAuthUser, insertRow, type Actor, type World } from './world.ts';

type Role = 'owner' | 'admin' | 'member';
const MEMBERS: Role[] = ['owner', 'admin', 'member'];
const ADMINS: Role[] = ['owner', 'admin'];
const OWNERS: Role[] = ['owner'];
const NOBODY: Role[] = [];

interface Ctx {
  w: World;
  /** The acting user's id (null for anon), for rows that must name their author. */
  actorId: string | null;
}

interface TableSpec {
  key: string[];
  /** Columns a client may select (defaults to *). */
  columns?: string;
  select: Role[];
  insert: Role[];
  update: Role[];
  delete: Role[];
  /** A fresh valid row of organisation A. May write prerequisites through the superuser `db`. */
  row: (ctx: Ctx, db: import('pg').Client) => Promise<Record<string, unknown>>;
  /** A change for update attempts: column and new value. */
  patch: Record<string, unknown>;
  /** Rows that must exist for the select check (defaults to a fresh row). */
}

const uid = () => randomUUID().slice(0, 8);

const TABLES: Record<string, TableSpec> = {
  organizations: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY, // through create_organization()
    update: ADMINS,
    delete: OWNERS,
    // seed() adds owner, admin and member of organisation A to it.
    row: async () => ({ name: `Org ${uid()}` }),
    patch: { name: 'Renamed org' },
  },
  organization_members: {
    key: ['organization_id', 'user_id'],
    select: MEMBERS,
    insert: ADMINS,
    update: OWNERS,
    delete: ADMINS,
    row: async ({ w }, db) => ({ organization_id: w.orgA, user_id: (await createAuthUser(db, 'm')).id, role: 'member' }),
    patch: { role: 'admin' },
  },
  invitations: {
    key: ['id'],
    select: ADMINS,
    insert: NOBODY, // through invite_member()
    update: NOBODY,
    delete: ADMINS,
    row: async ({ w }) => ({ organization_id: w.orgA, email: `inv-${uid()}@flowlens.test`, token_hash: randomUUID() }),
    patch: { role: 'admin' },
  },
  sites: {
    key: ['id'],
    select: MEMBERS,
    insert: ADMINS,
    update: ADMINS,
    delete: OWNERS,
    row: async ({ w }) => ({ organization_id: w.orgA, name: `Site ${uid()}`, base_url: 'https://new.example.com' }),
    patch: { name: 'Renamed site' },
  },
  site_secrets: {
    key: ['site_id'],
    select: ADMINS,
    insert: NOBODY,
    update: NOBODY, // through rotate_webhook_secret()
    delete: NOBODY,
    row: async ({ w }, db) => {
      const site = await insertRow(db, 'sites', { organization_id: w.orgA, name: `Secretless ${uid()}`, base_url: 'https://s.example.com' });
      await db.query('delete from public.site_secrets where site_id = $1', [site.id]);
      return { site_id: site.id, organization_id: w.orgA, webhook_secret: `whsec_${uid()}` };
    },
    patch: { webhook_secret: 'whsec_chosen_by_client' },
  },
  site_credentials: {
    key: ['id'],
    columns: 'id,site_id,name',
    select: MEMBERS,
    insert: NOBODY, // through the credentials edge function, encrypted
    update: NOBODY,
    delete: ADMINS,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, name: `PW_${uid().toUpperCase()}`, ciphertext: 'v1.iv.ct' }),
    patch: { name: 'RENAMED' },
  },
  notification_recipients: {
    key: ['id'],
    select: MEMBERS,
    insert: ADMINS,
    update: ADMINS, // and each member for their own row (tested below)
    delete: ADMINS,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, email: `r-${uid()}@flowlens.test` }),
    patch: { daily: false },
  },
  flows: {
    key: ['id'],
    select: MEMBERS,
    insert: MEMBERS,
    update: MEMBERS,
    delete: MEMBERS,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, name: `Flow ${uid()}`, start_url: 'https://a.example.com/' }),
    patch: { critical: true },
  },
  flow_steps: {
    key: ['id'],
    select: MEMBERS,
    insert: MEMBERS,
    update: MEMBERS,
    delete: MEMBERS,
    row: async ({ w }) => ({ flow_id: w.flowA, site_id: w.siteA, organization_id: w.orgA, position: 100 + Math.floor(Math.random() * 1e6), action: 'click', label: 'Click' }),
    patch: { label: 'Edited label' },
  },
  selector_proposals: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY, // through decide_selector_proposal()
    delete: NOBODY,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, flow_id: w.flowA, step_id: w.stepA, flow_version: 1, to_selector: { kind: 'css', value: `#x${uid()}` }, confidence: 0.9 }),
    patch: { status: 'accepted' },
  },
  deploy_events: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, commit_sha: 'def5678', delivery_id: randomUUID() }),
    patch: { branch: 'hacked' },
  },
  crawl_runs: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY, // through the scheduler, deploy webhook and run-now
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, trigger: 'manual' }),
    patch: { status: 'cancelled' },
  },
  crawl_jobs: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }) => ({ run_id: w.runA, site_id: w.siteA, organization_id: w.orgA, viewport: 'mobile' }),
    patch: { status: 'cancelled' },
  },
  flow_results: {
    key: ['id'],
    select: MEMBERS,
    insert: MEMBERS, // walkthroughs by the member themself
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w, actorId }) => ({
      site_id: w.siteA,
      organization_id: w.orgA,
      flow_id: w.flowA,
      flow_version: 1,
      viewport: 'desktop',
      source: 'walkthrough',
      status: 'passed',
      user_id: actorId ?? w.users.member.id,
    }),
    patch: { status: 'failed' },
  },
  pages: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, url_template: `/p/${uid()}` }),
    patch: { title: 'hacked' },
  },
  page_edges: {
    key: ['from_page_id', 'to_page_id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }, db) => {
      const to = await insertRow(db, 'pages', { site_id: w.siteA, url_template: `/e/${uid()}` });
      return { from_page_id: w.pageA, to_page_id: to.id, site_id: w.siteA, organization_id: w.orgA };
    },
    patch: { last_seen_at: '2020-01-01T00:00:00Z' },
  },
  page_metrics: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }, db) => {
      const run = await insertRow(db, 'crawl_runs', { site_id: w.siteA, trigger: 'manual' });
      return { site_id: w.siteA, organization_id: w.orgA, page_id: w.pageA, run_id: run.id, viewport: 'desktop', lcp_ms: 1200 };
    },
    patch: { lcp_ms: 1 },
  },
  page_baselines: {
    key: ['page_id', 'viewport', 'metric'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }, db) => {
      const page = await insertRow(db, 'pages', { site_id: w.siteA, url_template: `/b/${uid()}` });
      return { page_id: page.id, viewport: 'desktop', metric: 'lcp_ms', site_id: w.siteA, organization_id: w.orgA, samples: 5, mean: 1000, stddev: 50 };
    },
    patch: { mean: 1 },
  },
  bugs: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: MEMBERS, // snooze and false positive only (column grants)
    delete: NOBODY,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, fingerprint: `v1:${randomUUID()}`, fingerprint_version: '1', type: 'a11y', severity: 'P2', title: 'Image without alt', url_template: '/' }),
    patch: { snoozed_until: '2099-01-01T00:00:00+00:00' },
  },
  bug_occurrences: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }, db) => {
      const run = await insertRow(db, 'crawl_runs', { site_id: w.siteA, trigger: 'manual' });
      return { bug_id: w.bugA, site_id: w.siteA, organization_id: w.orgA, run_id: run.id, viewport: 'tablet' };
    },
    patch: { page_url: 'https://evil.example.com' },
  },
  health_scores: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }, db) => {
      const run = await insertRow(db, 'crawl_runs', { site_id: w.siteA, trigger: 'manual' });
      return { site_id: w.siteA, organization_id: w.orgA, run_id: run.id, score: 80, components: {}, inputs: {}, formula_version: '1' };
    },
    patch: { score: 100 },
  },
  notification_outbox: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, kind: 'daily', period_key: `2026-${uid()}` }),
    patch: { status: 'sent' },
  },
  // Alert channels (issue 18): members see a channel and its health, never its URL or signing secret
  // (column privileges; see the details below); owners and admins manage them.
  alert_channels: {
    key: ['id'],
    columns: 'id,site_id,kind,name,url_hint,status',
    select: MEMBERS,
    insert: ADMINS,
    update: ADMINS,
    delete: ADMINS,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, kind: 'slack', name: `Ops ${uid()}`, url: `https://hooks.slack.com/services/T0/B0/${uid()}`, enabled: false }),
    patch: { name: 'Renamed channel' },
  },
  channel_deliveries: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }, db) => {
      // A disabled channel, so the outbox row's fan-out does not create this delivery itself.
      const ch = await insertRow(db, 'alert_channels', { site_id: w.siteA, kind: 'webhook', name: `Hook ${uid()}`, url: 'https://hooks.example.com/x', enabled: false });
      const ob = await insertRow(db, 'notification_outbox', { site_id: w.siteA, kind: 'daily', period_key: `2026-${uid()}` });
      return { outbox_id: ob.id, channel_id: ch.id, site_id: w.siteA, organization_id: w.orgA, kind: 'daily', period_key: ob.period_key };
    },
    patch: { status: 'sent' },
  },
  alert_policies: {
    key: ['site_id'],
    select: MEMBERS,
    insert: ADMINS,
    update: ADMINS,
    delete: ADMINS,
    row: async ({ w }, db) => {
      const site = await insertRow(db, 'sites', { organization_id: w.orgA, name: `Policy ${uid()}`, base_url: 'https://p.example.com' });
      return { site_id: site.id, organization_id: w.orgA, mode: 'immediate', quiet_start: '22:00', quiet_end: '07:00' };
    },
    patch: { mode: 'consecutive' },
  },
  flow_setup: {
    key: ['flow_id'],
    select: MEMBERS,
    insert: NOBODY, // written by the flow_results triggers when the worker reports it (issue 13)
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }, db) => {
      const flow = await insertRow(db, 'flows', { site_id: w.siteA, name: `Setup ${uid()}`, start_url: 'https://a.example.com/' });
      return { flow_id: flow.id, site_id: w.siteA, organization_id: w.orgA, missing_secrets: ['PASSWORD'], since: new Date().toISOString() };
    },
    patch: { missing_secrets: ['FORGED'] },
  },
  alert_decisions: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }) => ({ site_id: w.siteA, organization_id: w.orgA, bug_id: w.bugA, episode: 1000 + Math.floor(Math.random() * 1e9), decision: 'sent', reason: 'sent at once because this P1 is new' }),
    patch: { reason: 'forged' },
  },
  audit_log: {
    key: ['id'],
    select: MEMBERS,
    insert: NOBODY,
    update: NOBODY,
    delete: NOBODY,
    row: async ({ w }) => ({ organization_id: w.orgA, site_id: w.siteA, bug_id: w.bugA, action: 'snooze' }),
    patch: { action: 'forged' },
  },
};

// --- harness -----------------------------------------------------------------------------------

let w: World;

function tokenOf(actor: Actor): string | null {
  return actor === 'anon' ? null : w.users[actor].accessToken;
}
function idOf(actor: Actor): string | null {
  return actor === 'anon' ? null : w.users[actor].id;
}
function allowed(list: Role[], actor: Actor): boolean {
  return actor !== 'stranger' && actor !== 'anon' && list.includes(actor);
}
function filterOf(spec: TableSpec, row: Record<string, unknown>): string {
  return spec.key.map((k) => `${k}=eq.${encodeURIComponent(String(row[k]))}`).join('&');
}
async function exists(table: string, spec: TableSpec, row: Record<string, unknown>): Promise<Record<string, unknown> | undefined> {
  return withDb(async (db) => {
    const where = spec.key.map((k, i) => `"${k}"::text = $${i + 1}`).join(' and ');
    const res = await db.query(`select * from public.${table} where ${where}`, spec.key.map((k) => String(row[k])));
    return res.rows[0] as Record<string, unknown> | undefined;
  });
}
/** Inserts a disposable row of organisation A with the superuser (organisations also get members). */
async function seed(table: string, spec: TableSpec, actor: Actor): Promise<Record<string, unknown>> {
  return withDb(async (db) => {
    const row = await spec.row({ w, actorId: idOf(actor) }, db);
    if (table === 'organizations') {
      const org = await insertRow(db, 'organizations', row);
      for (const role of MEMBERS) await insertRow(db, 'organization_members', { organization_id: org.id, user_id: w.users[role].id, role });
      return org;
    }
    return insertRow(db, table, row);
  });
}

beforeAll(async () => {
  w = await buildWorld();
}, 120_000);

describe('RLS matrix: tables', () => {
  it('covers every table in the public schema, and every one has RLS enabled', async () => {
    const tables = await withDb(async (db) =>
      (
        await db.query<{ relname: string; relrowsecurity: boolean }>(
          `select c.relname, c.relrowsecurity from pg_class c join pg_namespace n on n.oid = c.relnamespace
            where n.nspname = 'public' and c.relkind in ('r', 'p') order by 1`,
        )
      ).rows,
    );
    expect(tables.filter((t) => !t.relrowsecurity).map((t) => t.relname), 'tables without RLS').toEqual([]);
    expect(tables.map((t) => t.relname).sort(), 'every table needs an entry in TABLES').toEqual(Object.keys(TABLES).sort());
    const views = await withDb(async (db) =>
      (await db.query<{ relname: string; reloptions: string[] | null }>(
        `select c.relname, c.reloptions from pg_class c join pg_namespace n on n.oid = c.relnamespace where n.nspname = 'public' and c.relkind = 'v'`,
      )).rows,
    );
    expect(views.filter((v) => !(v.reloptions ?? []).includes('security_invoker=true')).map((v) => v.relname), 'views must be security_invoker').toEqual([]);
  });

  for (const [table, spec] of Object.entries(TABLES)) {
    describe(table, () => {
      it.each(ACTORS)('select as %s', async (actor) => {
        const row = await seed(table, spec, actor);
        const r = await rest(`/${table}?select=${spec.columns ?? '*'}&${filterOf(spec, row)}`, { token: tokenOf(actor) });
        const visible = r.status === 200 && Array.isArray(r.body) ? r.body.length : 0;
        expect(visible, `${actor} selecting ${table} (status ${r.status}: ${JSON.stringify(r.body).slice(0, 200)})`).toBe(allowed(spec.select, actor) ? 1 : 0);
        if (allowed(spec.select, actor)) expect(r.status).toBe(200);
      });

      it.each(ACTORS)('insert as %s', async (actor) => {
        const row = await withDb((db) => spec.row({ w, actorId: idOf(actor) }, db));
        const r = await rest(`/${table}`, { method: 'POST', token: tokenOf(actor), body: row, prefer: 'return=minimal' });
        const ok = allowed(spec.insert, actor);
        expect(r.status, `${actor} inserting into ${table}: ${JSON.stringify(r.body).slice(0, 300)}`).toBe(ok ? 201 : r.status >= 400 ? r.status : -1);
        if (table !== 'organizations') {
          const found = spec.key.every((k) => row[k] !== undefined) ? await exists(table, spec, row) : undefined;
          if (spec.key.every((k) => row[k] !== undefined)) expect(Boolean(found)).toBe(ok);
        }
      });

      it.each(ACTORS)('update as %s', async (actor) => {
        const row = await seed(table, spec, actor);
        const r = await rest(`/${table}?${filterOf(spec, row)}`, { method: 'PATCH', token: tokenOf(actor), body: spec.patch, prefer: 'return=minimal' });
        const after = await exists(table, spec, row);
        const [col, value] = Object.entries(spec.patch)[0]!;
        const changed = after !== undefined && JSON.stringify(normalise(after[col])) === JSON.stringify(normalise(value));
        expect(changed, `${actor} updating ${table}.${col} (status ${r.status}: ${JSON.stringify(r.body).slice(0, 200)})`).toBe(allowed(spec.update, actor));
      });

      it.each(ACTORS)('delete as %s', async (actor) => {
        const row = await seed(table, spec, actor);
        const r = await rest(`/${table}?${filterOf(spec, row)}`, { method: 'DELETE', token: tokenOf(actor), prefer: 'return=minimal' });
        const gone = (await exists(table, spec, row)) === undefined;
        expect(gone, `${actor} deleting from ${table} (status ${r.status}: ${JSON.stringify(r.body).slice(0, 200)})`).toBe(allowed(spec.delete, actor));
      });
    });
  }
});

function normalise(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v)) return new Date(v).toISOString();
  return v;
}

describe('RLS matrix: details the generic matrix cannot express', () => {
  it('nobody can read credential ciphertext, not even owners', async () => {
    await seed('site_credentials', TABLES.site_credentials!, 'owner');
    for (const actor of ACTORS) {
      const r = await rest(`/site_credentials?select=ciphertext&site_id=eq.${w.siteA}`, { token: tokenOf(actor) });
      expect(r.status, actor).toBeGreaterThanOrEqual(400);
    }
  });

  it('a member changes their own notification preferences but not someone else\'s', async () => {
    const mine = await rest(`/notification_recipients?user_id=eq.${w.users.member.id}&site_id=eq.${w.siteA}`, {
      method: 'PATCH', token: tokenOf('member'), body: { weekly: false }, prefer: 'return=representation',
    });
    expect(mine.status).toBe(200);
    expect((mine.body as unknown[]).length).toBe(1);
    const theirs = await rest(`/notification_recipients?user_id=eq.${w.users.owner.id}&site_id=eq.${w.siteA}`, {
      method: 'PATCH', token: tokenOf('member'), body: { weekly: false }, prefer: 'return=representation',
    });
    expect(theirs.body).toEqual([]);
  });

  it('nobody reads an alert channel\'s URL or signing secret through the API, not even owners', async () => {
    const ch = await seed('alert_channels', TABLES.alert_channels!, 'owner');
    for (const actor of ACTORS) {
      for (const column of ['url', 'signing_secret', '*']) {
        const r = await rest(`/alert_channels?select=${column}&id=eq.${String(ch.id)}`, { token: tokenOf(actor) });
        expect(r.status, `${actor} selecting ${column}`).toBeGreaterThanOrEqual(400);
      }
      // Not through a filter either (which would leak it a character at a time).
      const probe = await rest(`/alert_channels?select=id&url=like.https*&id=eq.${String(ch.id)}`, { token: tokenOf(actor) });
      expect(probe.status, `${actor} filtering on url`).toBeGreaterThanOrEqual(400);
    }
    // An admin's insert answered with the row back must not echo the URL either.
    const echoed = await rest('/alert_channels?select=id,url', {
      method: 'POST', token: tokenOf('admin'), prefer: 'return=representation',
      body: { site_id: w.siteA, kind: 'slack', name: `Echo ${uid()}`, url: 'https://hooks.slack.com/services/T0/B0/echo' },
    });
    expect(echoed.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(echoed.body)).not.toContain('/services/T0/B0/echo');
  });

  it('owners and admins cannot set a channel\'s health or signing secret themselves', async () => {
    const ch = await seed('alert_channels', TABLES.alert_channels!, 'owner');
    for (const body of [{ status: 'ok' }, { consecutive_failures: 0 }, { signing_secret: 'whsec_mine' }, { url_hint: 'forged' }]) {
      const r = await rest(`/alert_channels?id=eq.${String(ch.id)}`, { method: 'PATCH', token: tokenOf('owner'), body });
      expect(r.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
    }
  });

  it('members can only change snooze and false-positive columns of a bug', async () => {
    const r = await rest(`/bugs?id=eq.${w.bugA}`, { method: 'PATCH', token: tokenOf('owner'), body: { status: 'fixed' } });
    expect(r.status).toBeGreaterThanOrEqual(400);
    const sev = await rest(`/bugs?id=eq.${w.bugA}`, { method: 'PATCH', token: tokenOf('owner'), body: { severity: 'P3' } });
    expect(sev.status).toBeGreaterThanOrEqual(400);
  });

  it('clients cannot mark a site local (the SSRF escape hatch)', async () => {
    const ins = await rest('/sites', { method: 'POST', token: tokenOf('owner'), body: { organization_id: w.orgA, name: `L ${uid()}`, base_url: 'http://127.0.0.1:3000', is_local: true } });
    expect(ins.status).toBeGreaterThanOrEqual(400);
    const upd = await rest(`/sites?id=eq.${w.siteA}`, { method: 'PATCH', token: tokenOf('owner'), body: { is_local: true } });
    expect(upd.status).toBeGreaterThanOrEqual(400);
  });

  it('a row cannot be pointed at another organisation by its organization_id', async () => {
    const r = await rest('/flows', {
      method: 'POST', token: tokenOf('stranger'), prefer: 'return=minimal',
      body: { site_id: w.siteA, organization_id: w.orgB, name: `Sneaky ${uid()}`, start_url: 'https://a.example.com/' },
    });
    expect(r.status).toBeGreaterThanOrEqual(400);
  });

  it('the last owner cannot leave or be demoted', async () => {
    const org = (await w.users.stranger.client.rpc('create_organization', { org_name: `Solo ${uid()}` })).data as { id: string };
    const demote = await rest(`/organization_members?organization_id=eq.${org.id}&user_id=eq.${w.users.stranger.id}`, {
      method: 'PATCH', token: tokenOf('stranger'), body: { role: 'member' },
    });
    expect(demote.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(demote.body)).toMatch(/at least one owner/);
  });
});

// --- functions ---------------------------------------------------------------------------------

interface FnSpec {
  allowed: Actor[];
  /** Arguments for one attempt by this actor (may seed what the call needs). */
  args: (actor: Actor) => Promise<Record<string, unknown>>;
}

const FUNCTIONS: Record<string, FnSpec> = {
  create_organization: { allowed: ['owner', 'admin', 'member', 'stranger'], args: async () => ({ org_name: `Fn org ${uid()}` }) },
  invite_member: { allowed: ['owner', 'admin'], args: async () => ({ org_id: w.orgA, invitee_email: `i-${uid()}@flowlens.test`, invitee_role: 'member' }) },
  accept_invitation: {
    // Anyone signed in with the invited address may accept.
    allowed: ['owner', 'admin', 'member', 'stranger'],
    args: async (actor) => {
      const email = actor === 'anon' ? `anon-${uid()}@flowlens.test` : w.users[actor].email;
      const org = await withDb((db) => insertRow(db, 'organizations', { name: `Inviting ${uid()}` }));
      const token = `tok-${randomUUID()}`;
      await withDb((db) =>
        db.query(`insert into public.invitations (organization_id, email, token_hash) values ($1, $2, encode(extensions.digest($3, 'sha256'), 'hex'))`, [org.id, email, token]),
      );
      return { invitation_token: token };
    },
  },
  rotate_webhook_secret: { allowed: ['owner', 'admin'], args: async () => ({ target_site: w.siteA }) },
  // "Resend" of an external recipient's confirmation email (issue 14): owners and admins; a fresh
  // unconfirmed address per attempt (the resend is limited per recipient).
  resend_recipient_confirmation: {
    allowed: ['owner', 'admin'],
    args: async () => ({
      target_recipient: (await withDb((db) => insertRow(db, 'notification_recipients', { site_id: w.siteA, email: `confirm-${uid()}@flowlens.test` }))).id,
    }),
  },
  // A webhook channel's signing secret, for configuring the receiver: owners and admins only.
  channel_signing_secret: {
    allowed: ['owner', 'admin'],
    args: async () => ({ target_channel: (await seed('alert_channels', TABLES.alert_channels!, 'owner')).id }),
  },
  save_flow: {
    allowed: ['owner', 'admin', 'member'],
    args: async () => ({
      payload: { site_id: w.siteA, name: `Saved ${uid()}`, start_url: 'https://a.example.com/', critical: false, steps: [{ action: 'navigate', data: { url: 'https://a.example.com/' }, label: 'Open home' }] },
    }),
  },
  decide_selector_proposal: {
    allowed: ['owner', 'admin', 'member'],
    args: async () => {
      const p = await seed('selector_proposals', TABLES.selector_proposals!, 'owner');
      return { proposal: p.id, accept: false };
    },
  },
  reopen_bug: { allowed: ['owner', 'admin', 'member'], args: async () => ({ target_bug: w.bugA }) },
  // The overlay's "active bugs on this page" (issue 7): members only; a stranger's call is refused.
  page_bugs: { allowed: ['owner', 'admin', 'member'], args: async () => ({ target_site: w.siteA, page_template: '/' }) },
  request_crawl: {
    allowed: ['owner', 'admin', 'member'],
    // A fresh site per attempt: run-now is rate-limited per site.
    args: async () => ({ target_site: (await withDb((db) => insertRow(db, 'sites', { organization_id: w.orgA, name: `Run ${uid()}`, base_url: 'https://r.example.com' }))).id }),
  },
  // The worker's queue API: service role only.
  claim_jobs: { allowed: [], args: async () => ({ worker: 'rls-test', max_jobs: 1 }) },
  heartbeat_job: { allowed: [], args: async () => ({ job_id: w.jobA, worker: 'rls-test' }) },
  release_job: { allowed: [], args: async () => ({ job_id: w.jobA, worker: 'rls-test' }) },
  fail_job: { allowed: [], args: async () => ({ job_id: w.jobA, worker: 'rls-test', error: 'x' }) },
  complete_job: { allowed: [], args: async () => ({ job_id: w.jobA, worker: 'rls-test', report: { bugs: [] } }) },
  finalise_run: { allowed: [], args: async () => ({ target_run: w.runA }) },
  finalise_run_if_done: { allowed: [], args: async () => ({ target_run: w.runA }) },
  sweep_runs: { allowed: [], args: async () => ({ max_runs: 1 }) },
  // Counts across every organisation for the fleet's /metrics (issue 15): service role only.
  queue_metrics: { allowed: [], args: async () => ({}) },
  // bugs.is_open, a computed field (issue 16): its row parameter is unnamed, so it is no RPC for anyone;
  // what each actor sees through it is tested below ("bugs.is_open").
  is_open: { allowed: [], args: async () => ({}) },
};

describe('RLS matrix: exposed functions', () => {
  it('covers every function in the public schema', async () => {
    const fns = await withDb(async (db) =>
      (
        await db.query<{ proname: string }>(
          `select p.proname from pg_proc p join pg_namespace n on n.oid = p.pronamespace
            where n.nspname = 'public' and p.prokind = 'f'
              and not exists (select 1 from pg_depend d where d.objid = p.oid and d.deptype = 'e')
            order by 1`,
        )
      ).rows.map((r) => r.proname),
    );
    expect([...new Set(fns)].sort(), 'every function needs an entry in FUNCTIONS').toEqual(Object.keys(FUNCTIONS).sort());
  });

  for (const [fn, spec] of Object.entries(FUNCTIONS)) {
    it.each(ACTORS)(`${fn} as %s`, async (actor) => {
      const args = await spec.args(actor);
      const r = await rest(`/rpc/${fn}`, { method: 'POST', token: tokenOf(actor), body: args });
      const ok = r.status >= 200 && r.status < 300;
      expect(ok, `${actor} calling ${fn}: ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`).toBe(spec.allowed.includes(actor));
    });
  }

  it('accept_invitation refuses someone signed in with another address', async () => {
    const args = await FUNCTIONS.accept_invitation!.args('owner');
    const r = await rest('/rpc/accept_invitation', { method: 'POST', token: tokenOf('member'), body: args });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(JSON.stringify(r.body)).toMatch(/sign in with that address/);
  });

  it('invite_member returns a token once and stores only its hash', async () => {
    const r = await rest('/rpc/invite_member', { method: 'POST', token: tokenOf('owner'), body: { org_id: w.orgA, invitee_email: `h-${uid()}@flowlens.test` } });
    const [inv] = r.body as { invitation_id: string; token: string }[];
    const stored = await withDb(async (db) => (await db.query('select token_hash from public.invitations where id = $1', [inv!.invitation_id])).rows[0].token_hash as string);
    expect(stored).not.toContain(inv!.token);
    expect(stored).toMatch(/^[0-9a-f]{64}$/);
  });
});

describe('bugs.is_open, the computed field the dashboard filters "open" with', () => {
  const later = new Date(Date.now() + 30 * 86_400_000).toISOString();
  const earlier = new Date(Date.now() - 86_400_000).toISOString();
  let bugs: Record<'open' | 'snoozed' | 'snoozeOver' | 'falsePositive' | 'fixed', string>;

  beforeAll(async () => {
    const make = (over: Record<string, unknown>) =>
      withDb(async (db) =>
        (await insertRow(db, 'bugs', { site_id: w.siteA, fingerprint: `v1:${randomUUID()}`, fingerprint_version: '1', type: 'js_error', severity: 'P1', title: 'Open?', url_template: `/open-${uid()}`, ...over })).id as string,
      );
    bugs = {
      open: await make({ status: 'regressed' }),
      snoozed: await make({ status: 'active', snoozed_until: later }),
      snoozeOver: await make({ status: 'active', snoozed_until: earlier }),
      falsePositive: await make({ status: 'new', false_positive: true }),
      fixed: await make({ status: 'fixed' }),
    };
  });
  const ids = () => `id=in.(${Object.values(bugs).join(',')})`;

  it.each(['owner', 'member'] as const)('a %s reads is_open as SQL decides it, and filters by it', async (actor) => {
    const all = await rest(`/bugs?select=id,is_open&${ids()}`, { token: tokenOf(actor) });
    expect(all.status).toBe(200);
    const byId = Object.fromEntries((all.body as { id: string; is_open: boolean }[]).map((b) => [b.id, b.is_open]));
    expect(byId).toEqual({ [bugs.open]: true, [bugs.snoozed]: false, [bugs.snoozeOver]: true, [bugs.falsePositive]: false, [bugs.fixed]: false });
    const open = await rest(`/bugs?select=id&${ids()}&is_open=is.true&order=id`, { token: tokenOf(actor) });
    expect(open.status).toBe(200);
    expect((open.body as { id: string }[]).map((b) => b.id)).toEqual([bugs.open, bugs.snoozeOver].sort());
  });

  it('a stranger sees no rows through it', async () => {
    for (const filter of ['is_open=is.true', 'is_open=is.false']) {
      const r = await rest(`/bugs?select=id,is_open&${ids()}&${filter}`, { token: tokenOf('stranger') });
      expect(r.status).toBe(200);
      expect(r.body).toEqual([]);
    }
  });

  it('an anonymous caller is refused', async () => {
    const r = await rest(`/bugs?select=id&${ids()}&is_open=is.true`, { token: null });
    expect(r.status, JSON.stringify(r.body)).toBeGreaterThanOrEqual(400);
  });
});
