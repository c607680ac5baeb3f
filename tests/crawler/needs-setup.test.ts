/**
 * Missing configuration is not a site bug (issue 13), through the real worker, queue, finalisation
 * and `notify`: a flow that types a secret the site never stored is not run; every viewport's result
 * is `needs_setup` with the secret's name, the flow is listed in flow_setup, no bug is opened, the
 * health score leaves it out, and the owners and admins get one email for the episode (not a plain
 * member, not again on the next night). Once the value is stored the next run replays the flow and
 * the state is gone.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { encryptCredential, flowToSavePayload, parseFlow } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, stackInfo, withDb, type TestUser } from '@flowlens/stack/testing';
import { startForeignSite, type ForeignSite } from '../fixtures/index.ts';
import { insertRow } from '../database/world.ts';

const root = join(fileURLToPath(import.meta.url), '..', '..', '..');
const bin = join(root, 'crawler', 'bin', 'flowlens.mjs');
const KEY = randomBytes(32).toString('base64');

let site: ForeignSite;
let worker: ChildProcess | null = null;
let output = '';
let owner: TestUser;
let member: TestUser;
let siteId = '';
let flowId = '';

interface Mail {
  to: string[];
  subject: string;
  text: string;
  html: string;
}

async function mailFor(email: string): Promise<Mail[]> {
  const all = (await (await fetch(`${stackInfo().mailboxUrl}/api/messages`)).json()) as Mail[];
  return all.filter((m) => m.to.includes(email));
}

async function notify(): Promise<void> {
  const info = stackInfo();
  const res = await fetch(`${info.apiUrl}/functions/v1/notify`, {
    method: 'POST',
    headers: { authorization: `Bearer ${info.serviceRoleKey}`, apikey: info.serviceRoleKey, 'content-type': 'application/json' },
    body: JSON.stringify({ sites: [siteId] }),
  });
  if (!res.ok) throw new Error(`notify answered ${res.status}: ${await res.text()}`);
}

async function crawl(): Promise<string> {
  const runId = await withDb(async (db) => (await db.query<{ id: string }>(`select private.enqueue_run($1, 'manual') as id`, [siteId])).rows[0]!.id);
  const deadline = Date.now() + 300_000;
  while (Date.now() < deadline) {
    const row = await withDb(async (db) => (await db.query('select finished_at from public.crawl_runs where id = $1', [runId])).rows[0]);
    if (row?.finished_at) return runId;
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`run ${runId} did not finish\n${output}`);
}

const results = (runId: string) =>
  withDb(async (db) => (await db.query<{ viewport: string; status: string; missing_secrets: string[] }>('select viewport, status, missing_secrets from public.flow_results where run_id = $1 order by viewport', [runId])).rows);
const setupRows = () => withDb(async (db) => (await db.query<{ missing_secrets: string[] }>('select missing_secrets from public.flow_setup where flow_id = $1', [flowId])).rows);
const setupEmails = () => withDb(async (db) => (await db.query('select status, recipients from public.notification_outbox where site_id = $1 and kind = $2', [siteId, 'needs_setup'])).rows);

beforeAll(async () => {
  site = await startForeignSite();
  [owner, member] = await Promise.all([createTestUser('setup-owner'), createTestUser('setup-member')]);
  const { data: org, error } = await owner.client.rpc('create_organization', { org_name: 'Needs setup team' });
  if (error) throw new Error(error.message);
  const orgId = (org as { id: string }).id;
  await withDb(async (db) => {
    await insertRow(db, 'organization_members', { organization_id: orgId, user_id: member.id, role: 'member' });
    const s = await insertRow(db, 'sites', { organization_id: orgId, name: 'Setup shop', base_url: `${site.url}/search`, is_local: true, viewports: ['desktop', 'mobile'], discover_pages: 0 });
    siteId = s.id as string;
    const flow = parseFlow({
      name: 'Search with the password',
      critical: true,
      startUrl: `${site.url}/search`,
      steps: [{ action: 'input', selectors: [{ kind: 'css', value: '#q' }], value: '{{secret:PASSWORD}}', label: 'Type the password' }],
    });
    flowId = (await db.query<{ id: string }>('select (public.save_flow($1)).id as id', [JSON.stringify(flowToSavePayload(flow, siteId))])).rows[0]!.id;
  });
  const info = stackInfo();
  worker = spawn(process.execPath, [bin, 'worker'], {
    cwd: root,
    env: {
      ...process.env,
      SUPABASE_URL: info.apiUrl,
      SUPABASE_SERVICE_ROLE_KEY: info.serviceRoleKey,
      FLOWLENS_CREDENTIALS_KEY: KEY,
      FLOWLENS_WORKER_ID: 'worker-setup',
      FLOWLENS_ONLY_SITES: siteId,
      FLOWLENS_CONCURRENCY: '2',
      FLOWLENS_POLL_INTERVAL_MS: '200',
      FLOWLENS_HEALTH_PORT: '0',
    },
  });
  worker.stdout!.on('data', (d: Buffer) => (output += d));
  worker.stderr!.on('data', (d: Buffer) => (output += d));
}, 120_000);

afterAll(async () => {
  if (worker && worker.exitCode === null) worker.kill('SIGKILL');
  await site?.close();
});

describe('a flow whose secret is not stored', () => {
  it('needs setup: no bug, out of the score, one email to owners and admins per episode, gone once the value is stored', async () => {
    const first = await crawl();
    expect(await results(first)).toEqual([
      { viewport: 'desktop', status: 'needs_setup', missing_secrets: ['PASSWORD'] },
      { viewport: 'mobile', status: 'needs_setup', missing_secrets: ['PASSWORD'] },
    ]);
    expect(await setupRows()).toEqual([{ missing_secrets: ['PASSWORD'] }]);
    const run = await withDb(async (db) => (await db.query('select status, error from public.crawl_runs where id = $1', [first])).rows[0]);
    expect(run).toEqual({ status: 'completed', error: null });
    const bugs = await withDb(async (db) => Number((await db.query('select count(*) from public.bugs where site_id = $1', [siteId])).rows[0]!.count));
    expect(bugs, JSON.stringify(await withDb(async (db) => (await db.query('select type, title, severity from public.bugs where site_id = $1', [siteId])).rows))).toBe(0);
    const score = await withDb(async (db) => (await db.query('select inputs from public.health_scores where run_id = $1', [first])).rows[0]!.inputs);
    expect(score.flows).toEqual({ passed: 0, total: 0 });
    expect(site.received().some((q) => q.includes('q='))).toBe(false);

    await notify();
    const mails = await mailFor(owner.email);
    expect(mails).toHaveLength(1);
    expect(mails[0]!.subject).toBe('[FlowLens] The flow "Search with the password" on Setup shop needs setup');
    expect(mails[0]!.text).toContain('types the secret PASSWORD');
    expect(mails[0]!.text).toContain(`/sites/${siteId}/settings#credentials`);
    expect(await mailFor(member.email)).toHaveLength(0);

    // The next night: still needs setup, no second email.
    const second = await crawl();
    expect((await results(second)).map((r) => r.status)).toEqual(['needs_setup', 'needs_setup']);
    await notify();
    expect(await mailFor(owner.email)).toHaveLength(1);
    expect((await setupEmails()).map((r) => r.status)).toEqual(['sent']);

    // The owner stores the value: the flow runs again and the state is gone.
    await withDb(async (db) => insertRow(db, 'site_credentials', { site_id: siteId, name: 'PASSWORD', ciphertext: await encryptCredential('Open sesame 42', KEY) }));
    const third = await crawl();
    expect((await results(third)).map((r) => r.status), output.slice(-3000)).toEqual(['passed', 'passed']);
    expect(await setupRows()).toEqual([]);
  }, 900_000);
});
