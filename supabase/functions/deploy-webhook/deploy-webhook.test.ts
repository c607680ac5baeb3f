/** deploy-webhook: valid, bad signature, stale timestamp, replay, unknown site, oversized body. */
import { assert, assertEquals, callFunction, createSite, STACK_TEST, testDb } from '../_shared/testing.ts';
import { MAX_BODY_BYTES, signDelivery } from './handler.ts';

async function secretOf(siteId: string): Promise<string> {
  return (await testDb().query<{ webhook_secret: string }>('select webhook_secret from public.site_secrets where site_id = $1', [siteId])).rows[0]!.webhook_secret;
}

async function send(siteId: string, body: string, opts: { secret: string; timestamp?: number; signature?: string }) {
  const timestamp = String(opts.timestamp ?? Math.floor(Date.now() / 1000));
  const signature = opts.signature ?? (await signDelivery(opts.secret, timestamp, body));
  // No authorization header: the webhook is called from CI with only its signature.
  const res = await callFunction('deploy-webhook', {
    key: null,
    path: `/${siteId}`,
    body,
    headers: { 'content-type': 'application/json', 'x-flowlens-timestamp': timestamp, 'x-flowlens-signature': signature },
  });
  return { status: res.status, body: await res.json().catch(() => null) };
}

const payload = (sha: string) => JSON.stringify({ commit_sha: sha, branch: 'main', environment: 'production', timestamp: new Date().toISOString() });

Deno.test({ name: 'deploy-webhook: a signed delivery stores the deploy and queues a deploy-triggered crawl', ...STACK_TEST, async fn() {
  const site = await createSite();
  const res = await send(site.siteId, payload('abc123def'), { secret: await secretOf(site.siteId) });
  assertEquals(res.status, 202, JSON.stringify(res.body));
  const { rows } = await testDb().query<{ trigger: string; status: string; commit_sha: string; branch: string; environment: string; jobs: number }>(
    `select r.trigger::text as trigger, r.status::text as status, d.commit_sha, d.branch, d.environment,
            (select count(*)::integer from public.crawl_jobs j where j.run_id = r.id) as jobs
       from public.crawl_runs r join public.deploy_events d on d.id = r.deploy_event_id where r.id = $1`,
    [res.body.runId],
  );
  assertEquals(rows[0], { trigger: 'deploy', status: 'queued', commit_sha: 'abc123def', branch: 'main', environment: 'production', jobs: rows[0]!.jobs });
  assert(rows[0]!.jobs > 0);
} });

Deno.test({ name: 'deploy-webhook: a bad signature, a wrong secret or no signature is 401 and stores nothing', ...STACK_TEST, async fn() {
  const site = await createSite();
  const secret = await secretOf(site.siteId);
  const body = payload('bad1');
  const ts = Math.floor(Date.now() / 1000);
  const tampered = await signDelivery(secret, String(ts), body.replace('bad1', 'bad2'));
  assertEquals((await send(site.siteId, body, { secret, timestamp: ts, signature: tampered })).status, 401);
  assertEquals((await send(site.siteId, body, { secret: 'whsec_wrong' })).status, 401);
  assertEquals((await send(site.siteId, body, { secret, signature: '' })).status, 401);
  const count = (await testDb().query('select 1 from public.deploy_events where site_id = $1', [site.siteId])).rowCount;
  assertEquals(count, 0);
} });

Deno.test({ name: 'deploy-webhook: a timestamp more than 5 minutes old (or ahead) is 401', ...STACK_TEST, async fn() {
  const site = await createSite();
  const secret = await secretOf(site.siteId);
  const now = Math.floor(Date.now() / 1000);
  assertEquals((await send(site.siteId, payload('old1'), { secret, timestamp: now - 6 * 60 })).status, 401);
  assertEquals((await send(site.siteId, payload('future1'), { secret, timestamp: now + 6 * 60 })).status, 401);
  assertEquals((await send(site.siteId, payload('recent1'), { secret, timestamp: now - 4 * 60 })).status, 202);
} });

Deno.test({ name: 'deploy-webhook: replaying a delivery is 409 and queues no second crawl', ...STACK_TEST, async fn() {
  const site = await createSite();
  const secret = await secretOf(site.siteId);
  const ts = Math.floor(Date.now() / 1000);
  const body = payload('replay1');
  assertEquals((await send(site.siteId, body, { secret, timestamp: ts })).status, 202);
  const again = await send(site.siteId, body, { secret, timestamp: ts });
  assertEquals(again.status, 409);
  const runs = (await testDb().query(`select 1 from public.crawl_runs where site_id = $1 and trigger = 'deploy'`, [site.siteId])).rowCount;
  assertEquals(runs, 1);
} });

Deno.test({ name: 'deploy-webhook: unknown site is 404, oversized body is 413, malformed body is 400', ...STACK_TEST, async fn() {
  const site = await createSite();
  const secret = await secretOf(site.siteId);
  assertEquals((await send(crypto.randomUUID(), payload('x1'), { secret })).status, 404);
  assertEquals((await send('not-a-site', payload('x1'), { secret })).status, 404);
  const huge = JSON.stringify({ commit_sha: 'big1', padding: 'x'.repeat(MAX_BODY_BYTES) });
  assertEquals((await send(site.siteId, huge, { secret })).status, 413);
  assertEquals((await send(site.siteId, '{"branch":"main"}', { secret })).status, 400);
  assertEquals((await send(site.siteId, 'not json', { secret })).status, 400);
} });
