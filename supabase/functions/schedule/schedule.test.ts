/**
 * schedule: slots from each site's crawl time and timezone, DST changes, a UTC+13 site, and
 * concurrent / repeated invocations creating one run per slot. Time is injected with `now`.
 */
import { assert, assertEquals, callFunction, createSite, STACK_TEST, stackInfo, testDb } from '../_shared/testing.ts';

async function schedule(now: string): Promise<{ runs: { siteId: string; slot: string; runId: string }[] }> {
  const res = await callFunction('schedule', { body: { now } });
  const body = await res.json();
  assertEquals(res.status, 200, JSON.stringify(body));
  return body;
}

async function runsOf(siteId: string): Promise<{ slot: string; trigger: string; jobs: number }[]> {
  const { rows } = await testDb().query<{ slot: Date; trigger: string; jobs: number }>(
    `select r.slot, r.trigger::text as trigger, (select count(*)::integer from public.crawl_jobs j where j.run_id = r.id) as jobs
       from public.crawl_runs r where r.site_id = $1 order by r.slot`,
    [siteId],
  );
  return rows.map((r) => ({ slot: new Date(r.slot).toISOString(), trigger: r.trigger, jobs: r.jobs }));
}

Deno.test({ name: 'schedule: default 02:00 local, nothing before the slot, one run with its jobs after it', ...STACK_TEST, async fn() {
  const site = await createSite({ timezone: 'Europe/Berlin' }); // UTC+1 in January
  await schedule('2027-01-12T00:55:00Z'); // 01:55 local
  assertEquals(await runsOf(site.siteId), []);
  const created = await schedule('2027-01-12T01:01:00Z'); // 02:01 local
  assert(created.runs.some((r) => r.siteId === site.siteId && r.slot === '2027-01-12T01:00:00.000Z'));
  await schedule('2027-01-12T01:06:00Z');
  const runs = await runsOf(site.siteId);
  assertEquals(runs.length, 1);
  assertEquals(runs[0]!.trigger, 'schedule');
  assertEquals(runs[0]!.slot, '2027-01-12T01:00:00.000Z');
  assert(runs[0]!.jobs >= 1, 'the run has its jobs');
} });

Deno.test({ name: 'schedule: a site in UTC+13 (Pacific/Tongatapu) crawls at 02:00 its time, the previous UTC day', ...STACK_TEST, async fn() {
  const site = await createSite({ timezone: 'Pacific/Tongatapu', crawlDays: [3] }); // Wednesdays only
  // 2027-01-13 is a Wednesday in Tonga; 02:00 there is 13:00 UTC on Tuesday the 12th.
  await schedule('2027-01-12T12:59:00Z');
  assertEquals(await runsOf(site.siteId), []);
  await schedule('2027-01-12T13:00:00Z');
  assertEquals((await runsOf(site.siteId)).map((r) => r.slot), ['2027-01-12T13:00:00.000Z']);
  // Thursday in Tonga: not a crawl day.
  await schedule('2027-01-13T13:05:00Z');
  assertEquals((await runsOf(site.siteId)).length, 1);
} });

Deno.test({ name: 'schedule: DST spring forward (a skipped 02:30) and fall back (a repeated 01:30) each give one run', ...STACK_TEST, async fn() {
  // America/New_York: 2027-03-14 02:00 EST jumps to 03:00 EDT; 2027-11-07 02:00 EDT falls back to 01:00 EST.
  const spring = await createSite({ timezone: 'America/New_York', crawlTime: '02:30' });
  for (const now of ['2027-03-14T06:59:00Z', '2027-03-14T07:00:00Z', '2027-03-14T07:31:00Z', '2027-03-14T08:00:00Z', '2027-03-14T09:00:00Z']) {
    await schedule(now);
  }
  // 02:30 does not exist that night: the slot is read in the pre-change offset (EST), 07:30 UTC = 03:30 EDT.
  assertEquals((await runsOf(spring.siteId)).map((r) => r.slot), ['2027-03-14T07:30:00.000Z']);

  const fall = await createSite({ timezone: 'America/New_York', crawlTime: '01:30' });
  // 01:30 happens twice: 05:30 UTC (EDT) and 06:30 UTC (EST). The clock passes both; one run.
  for (const now of ['2027-11-07T05:20:00Z', '2027-11-07T05:31:00Z', '2027-11-07T06:00:00Z', '2027-11-07T06:31:00Z', '2027-11-07T07:00:00Z']) {
    await schedule(now);
  }
  const runs = await runsOf(fall.siteId);
  assertEquals(runs.length, 1, JSON.stringify(runs));
  assert(['2027-11-07T05:30:00.000Z', '2027-11-07T06:30:00.000Z'].includes(runs[0]!.slot));
  // The next night is an ordinary 01:30 EST.
  await schedule('2027-11-08T06:35:00Z');
  assertEquals((await runsOf(fall.siteId)).length, 2);
} });

Deno.test({ name: 'schedule: concurrent and repeated invocations create exactly one run per slot', ...STACK_TEST, async fn() {
  const site = await createSite({ timezone: 'Asia/Kolkata', crawlTime: '03:15' }); // UTC+5:30
  const now = '2027-02-02T21:50:00Z'; // 03:20 local on the 3rd
  const results = await Promise.all(Array.from({ length: 8 }, () => schedule(now)));
  const created = results.flatMap((r) => r.runs).filter((r) => r.siteId === site.siteId);
  assertEquals(created.length, 1, 'exactly one call reports creating the run');
  assertEquals((await runsOf(site.siteId)).map((r) => r.slot), ['2027-02-02T21:45:00.000Z']);
} });

Deno.test({ name: 'schedule: disabled sites are skipped; only the service role may call it or inject time', ...STACK_TEST, async fn() {
  const off = await createSite({ crawlEnabled: false });
  await schedule('2027-04-01T02:05:00Z');
  assertEquals(await runsOf(off.siteId), []);
  const anon = await callFunction('schedule', { key: stackInfo().anonKey, body: { now: '2027-04-01T02:05:00Z' } });
  assertEquals(anon.status, 403);
  await anon.body?.cancel();
} });
