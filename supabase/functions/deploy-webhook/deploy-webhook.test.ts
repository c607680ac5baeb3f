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
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: await res.json().catch(() => null) };
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

// Run limits (issue 14, docs/limits.md) --------------------------------------------------------------

async function startQueuedRuns(siteId: string): Promise<void> {
  await testDb().query(`update public.crawl_runs set status = 'running', started_at = now() where site_id = $1 and status = 'queued'`, [siteId]);
}

Deno.test({ name: 'deploy-webhook: a delivery while a deploy run is still queued merges into it (202 with that run)', ...STACK_TEST, async fn() {
  const site = await createSite();
  const secret = await secretOf(site.siteId);
  const first = await send(site.siteId, payload('merge1'), { secret });
  assertEquals(first.status, 202);
  assertEquals(first.body.merged, false);
  const second = await send(site.siteId, payload('merge2'), { secret });
  assertEquals(second.status, 202, JSON.stringify(second.body));
  assertEquals(second.body.runId, first.body.runId);
  assertEquals(second.body.merged, true);
  // Both deploys are stored; the queued run now crawls (and is attributed to) the latest one.
  const { rows } = await testDb().query<{ runs: number; deploys: number; sha: string }>(
    `select (select count(*)::integer from public.crawl_runs where site_id = $1 and trigger = 'deploy') as runs,
            (select count(*)::integer from public.deploy_events where site_id = $1) as deploys,
            (select d.commit_sha from public.crawl_runs r join public.deploy_events d on d.id = r.deploy_event_id where r.id = $2) as sha`,
    [site.siteId, first.body.runId],
  );
  assertEquals(rows[0], { runs: 1, deploys: 2, sha: 'merge2' });
  // Once that run has started, the next deploy gets a run of its own.
  await startQueuedRuns(site.siteId);
  const third = await send(site.siteId, payload('merge3'), { secret });
  assertEquals(third.status, 202);
  assert(third.body.runId !== first.body.runId);
} });

Deno.test({ name: 'deploy-webhook: a site with crawling turned off answers 409 with a sentence and stores nothing', ...STACK_TEST, async fn() {
  const site = await createSite({ crawlEnabled: false });
  const res = await send(site.siteId, payload('off1'), { secret: await secretOf(site.siteId) });
  assertEquals(res.status, 409);
  assert(/Crawling is turned off for this site/.test(res.body.error), res.body.error);
  assertEquals((await testDb().query('select 1 from public.deploy_events where site_id = $1', [site.siteId])).rowCount, 0);
  assertEquals((await testDb().query('select 1 from public.crawl_runs where site_id = $1', [site.siteId])).rowCount, 0);
} });

Deno.test({ name: 'deploy-webhook: deploy crawls per site per hour are limited (429, Retry-After); the next window opens; other sites go on', ...STACK_TEST, async fn() {
  const site = await createSite();
  const other = await createSite();
  const secret = await secretOf(site.siteId);
  await testDb().query(`insert into private.limits (name, organization_id, max_count, window_seconds) values ('deploy_runs_per_site', $1, 2, 3600)`, [await site.organizationId]);
  for (const sha of ['hour1', 'hour2']) {
    assertEquals((await send(site.siteId, payload(sha), { secret })).status, 202);
    await startQueuedRuns(site.siteId);
  }
  const res = await send(site.siteId, payload('hour4'), { secret });
  assertEquals(res.status, 429, JSON.stringify(res.body));
  assert(/2 deploy crawls in the last hour/.test(res.body.error), res.body.error);
  assert(res.body.retryAfter > 3000 && res.body.retryAfter <= 3600, String(res.body.retryAfter));
  assertEquals(res.retryAfter, String(res.body.retryAfter));
  assertEquals((await testDb().query(`select 1 from public.deploy_events where site_id = $1 and commit_sha = 'hour4'`, [site.siteId])).rowCount, 0);
  // Another site is unaffected.
  assertEquals((await send(other.siteId, payload('elsewhere1'), { secret: await secretOf(other.siteId) })).status, 202);
  // An hour later the window has moved on.
  await testDb().query(`update public.crawl_runs set created_at = created_at - interval '61 minutes' where site_id = $1`, [site.siteId]);
  assertEquals((await send(site.siteId, payload('hour5'), { secret })).status, 202);
} });
