/**
 * A small Site Context world for database tests: organisation A (owner, admin, member, with a
 * site and one row in every table) and organisation B (the stranger's own). Seeded with the
 * superuser connection; users are real Auth users with real sessions.
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { createTestUser, withDb, type TestUser } from '@flowlens/stack/testing';

export type Actor = 'owner' | 'admin' | 'member' | 'stranger' | 'anon';
export const ACTORS: Actor[] = ['owner', 'admin', 'member', 'stranger', 'anon'];

export interface World {
  users: Record<Exclude<Actor, 'anon'>, TestUser>;
  orgA: string;
  orgB: string;
  siteA: string;
  siteB: string;
  flowA: string;
  stepA: string;
  runA: string;
  jobA: string;
  deployA: string;
  pageA: string;
  pageA2: string;
  bugA: string;
}

export async function insertRow(db: pg.Client, table: string, row: Record<string, unknown>): Promise<Record<string, unknown>> {
  const keys = Object.keys(row);
  const values = keys.map((k) => {
    const v = row[k];
    // jsonb values are sent as JSON text; Postgres arrays stay JS arrays (pg converts them).
    return v !== null && typeof v === 'object' && !Array.isArray(v) ? JSON.stringify(v) : v;
  });
  const sql = `insert into public.${table} (${keys.map((k) => `"${k}"`).join(', ')}) values (${keys.map((_, i) => `$${i + 1}`).join(', ')}) returning *`;
  const res = await db.query(sql, values);
  return res.rows[0] as Record<string, unknown>;
}

export async function createAuthUser(db: pg.Client, label: string): Promise<{ id: string; email: string }> {
  const email = `${label}-${randomUUID().slice(0, 8)}@flowlens.test`;
  const { rows } = await db.query<{ id: string }>(
    `insert into auth.users (id, aud, role, email, created_at, updated_at) values (gen_random_uuid(), 'authenticated', 'authenticated', $1, now(), now()) returning id`,
    [email],
  );
  return { id: rows[0]!.id, email };
}

export async function buildWorld(): Promise<World> {
  const [owner, admin, member, stranger] = await Promise.all([
    createTestUser('owner'),
    createTestUser('admin'),
    createTestUser('member'),
    createTestUser('stranger'),
  ]);
  return withDb(async (db) => {
    const orgA = (await insertRow(db, 'organizations', { name: 'Org A', created_by: owner.id })).id as string;
    const orgB = (await insertRow(db, 'organizations', { name: 'Org B', created_by: stranger.id })).id as string;
    for (const [user, role] of [[owner, 'owner'], [admin, 'admin'], [member, 'member']] as const) {
      await insertRow(db, 'organization_members', { organization_id: orgA, user_id: user.id, role });
    }
    await insertRow(db, 'organization_members', { organization_id: orgB, user_id: stranger.id, role: 'owner' });
    const siteA = (await insertRow(db, 'sites', { organization_id: orgA, name: 'Site A', base_url: 'https://a.example.com' })).id as string;
    const siteB = (await insertRow(db, 'sites', { organization_id: orgB, name: 'Site B', base_url: 'https://b.example.com' })).id as string;
    const flowA = (await insertRow(db, 'flows', { site_id: siteA, name: 'Checkout', start_url: 'https://a.example.com/' })).id as string;
    const stepA = (await insertRow(db, 'flow_steps', { flow_id: flowA, position: 0, action: 'click', data: { selectors: [{ kind: 'css', value: '#buy' }] }, label: 'Click Buy' })).id as string;
    const deployA = (await insertRow(db, 'deploy_events', { site_id: siteA, commit_sha: 'abc1234', delivery_id: randomUUID() })).id as string;
    const runA = (await insertRow(db, 'crawl_runs', { site_id: siteA, trigger: 'manual' })).id as string;
    const jobA = (await insertRow(db, 'crawl_jobs', { run_id: runA, site_id: siteA, flow_id: flowA, viewport: 'desktop' })).id as string;
    const pageA = (await insertRow(db, 'pages', { site_id: siteA, url_template: '/' })).id as string;
    const pageA2 = (await insertRow(db, 'pages', { site_id: siteA, url_template: '/cart' })).id as string;
    const bugA = (
      await insertRow(db, 'bugs', {
        site_id: siteA,
        fingerprint: `v1:${randomUUID()}`,
        fingerprint_version: '1',
        type: 'js_error',
        severity: 'P1',
        title: 'TypeError on home page',
        url_template: '/',
      })
    ).id as string;
    return { users: { owner, admin, member, stranger }, orgA, orgB, siteA, siteB, flowA, stepA, runA, jobA, deployA, pageA, pageA2, bugA };
  });
}
