/**
 * `npm run bench:overlay-query` — "active bugs for this page" through the gateway with a user's
 * session (PostgREST + RLS), with 1,000,000 bug rows across 1,000 organisations (issue 7's budget:
 * p95 ≤ 30 ms). Runs on a stack of its own (FLOWLENS_STACK_DIR, default .stack-bench;
 * FLOWLENS_STACK_PORT_BASE, default 64321) so the data stays out of the developer's and the tests'
 * databases; prints the query plan as the user sees it. Seeding happens once (the rows stay in the
 * bench stack for the next run). The stack is stopped at the end unless BENCH_KEEP_STACK=1.
 * Writes docs/benchmarks/overlay-query.md.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { REPO_ROOT } from '../../stack/src/config.ts';
import { Stack } from '../../stack/src/stack.ts';

const ORGS = Number(process.env.BENCH_ORGS ?? 1000);
const BUGS_PER_SITE = Number(process.env.BENCH_BUGS_PER_SITE ?? 1000);
const TEMPLATES = 50;
const stack = new Stack(
  { dir: process.env.FLOWLENS_STACK_DIR ?? join(REPO_ROOT, '.stack-bench'), portBase: Number(process.env.FLOWLENS_STACK_PORT_BASE ?? 64321), fast: true },
  (l) => console.log(l),
);
const lines: string[] = [];
const say = (l: string) => {
  console.log(l);
  lines.push(l);
};

const info = await stack.start();
const db = new pg.Client(info.dbUrl);
await db.connect();
const have = Number((await db.query('select count(*) from public.bugs')).rows[0].count);
const want = ORGS * BUGS_PER_SITE;
if (have < want) {
  console.log(`Seeding ${ORGS} organisations × ${BUGS_PER_SITE} bugs …`);
  const t = Date.now();
  await db.query('truncate public.organizations cascade; delete from auth.users;');
  await db.query(`insert into auth.users (id, aud, role, email, created_at, updated_at)
                  select gen_random_uuid(), 'authenticated', 'authenticated', 'bench' || i || '@flowlens.test', now(), now() from generate_series(1, $1) i`, [ORGS]);
  await db.query(`insert into public.organizations (id, name) select gen_random_uuid(), 'Org ' || i from generate_series(1, $1) i`, [ORGS]);
  await db.query(`insert into public.organization_members (organization_id, user_id, role)
                  select o.id, u.id, 'owner' from (select id, row_number() over (order by name) n from public.organizations) o
                  join (select id, row_number() over (order by email) n from auth.users) u using (n)`);
  await db.query(`insert into public.sites (organization_id, name, base_url) select id, 'Site of ' || name, 'https://' || replace(lower(name), ' ', '') || '.example.com' from public.organizations`);
  // Triggers are the point of the schema, but seeding a million rows through them takes minutes:
  // organization_id is written right here instead (the trigger would copy the same value).
  await db.query('alter table public.bugs disable trigger bugs_org');
  await db.query(
    `insert into public.bugs (site_id, organization_id, fingerprint, fingerprint_version, type, severity, title, url_template, status, false_positive, snoozed_until, viewports)
     select s.id, s.organization_id, 'v1:' || md5(s.id::text || i), '1',
            (array['js_error','a11y','request_failed','broken_link','console_error']::public.bug_type[])[1 + i % 5],
            (array['P0','P1','P2','P3']::public.bug_severity[])[1 + i % 4],
            'Bug ' || i, '/page/' || (i % ${TEMPLATES}),
            (array['new','active','fixed','regressed']::public.bug_status[])[1 + i % 4],
            i % 17 = 0, case when i % 13 = 0 then now() + interval '7 days' end, '{desktop,mobile}'
       from public.sites s cross join generate_series(1, $1) i`,
    [BUGS_PER_SITE],
  );
  await db.query('alter table public.bugs enable trigger bugs_org');
  await db.query('analyze');
  console.log(`seeded in ${Math.round((Date.now() - t) / 1000)} s`);
}
const counts = (await db.query('select (select count(*) from public.bugs) bugs, (select count(*) from public.organizations) orgs')).rows[0];
say(`# Overlay query benchmark\n\n${counts.bugs} bug rows across ${counts.orgs} organisations (one site each, ${TEMPLATES} page templates per site).\n`);

// A real user with a password, through the Auth stand-in.
const user = (await db.query(`select u.id, u.email, m.organization_id, s.id as site_id from auth.users u
  join public.organization_members m on m.user_id = u.id join public.sites s on s.organization_id = m.organization_id order by u.email limit 1`)).rows[0];
// Evidence for the measured site: two occurrences per bug (desktop and mobile) in one run, so the
// function's "newest occurrence" lookup does real work.
if (Number((await db.query('select count(*) from public.bug_occurrences where site_id = $1', [user.site_id])).rows[0].count) === 0) {
  const run = (await db.query(`insert into public.crawl_runs (site_id, organization_id, trigger, status) values ($1, $2, 'manual', 'completed') returning id`, [user.site_id, user.organization_id])).rows[0].id;
  await db.query(
    `insert into public.bug_occurrences (bug_id, site_id, run_id, viewport, page_url, evidence)
     select b.id, b.site_id, $2::uuid, v, 'https://example.com' || b.url_template,
            jsonb_build_object('console', jsonb_build_array('Error: ' || b.title), 'screenshot', b.site_id::text || '/runs/' || $2::text || '/' || v || '/' || b.id::text || '.png')
       from public.bugs b cross join unnest(array['desktop', 'mobile']) v where b.site_id = $1::uuid`,
    [user.site_id, run],
  );
  await db.query('analyze public.bug_occurrences');
}
await db.query(`update auth.users set encrypted_password = extensions.crypt('bench-password', extensions.gen_salt('bf', 4)) where id = $1`, [user.id]);
const token = ((await (await fetch(`${info.apiUrl}/auth/v1/token?grant_type=password`, {
  method: 'POST',
  headers: { apikey: info.anonKey, 'content-type': 'application/json' },
  body: JSON.stringify({ email: user.email, password: 'bench-password' }),
})).json()) as { access_token: string }).access_token;

const call = async (template: string) => {
  const t = performance.now();
  const res = await fetch(`${info.restUrl}/rpc/page_bugs`, {
    method: 'POST',
    headers: { apikey: info.anonKey, authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ target_site: user.site_id, page_template: template }),
  });
  const rows = (await res.json()) as unknown[];
  if (!res.ok) throw new Error(JSON.stringify(rows));
  return { ms: performance.now() - t, rows: rows.length };
};
for (let i = 0; i < 20; i++) await call(`/page/${i % TEMPLATES}`);
const times: number[] = [];
let rows = 0;
for (let i = 0; i < 300; i++) {
  const r = await call(`/page/${i % TEMPLATES}`);
  times.push(r.ms);
  rows += r.rows;
}
times.sort((a, b) => a - b);
const p = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]!.toFixed(1);
say('## Through the gateway (300 calls, one user, 1 site of 1,000)\n');
say(`p50 ${p(0.5)} ms, p95 ${p(0.95)} ms, p99 ${p(0.99)} ms; ${Math.round(rows / 300)} rows per page on average\n`);

// The plan as the user sees it: RLS applied, the membership helper evaluated once (InitPlan).
await db.query('begin');
await db.query(`select set_config('role', 'authenticated', true), set_config('request.jwt.claims', $1, true)`, [JSON.stringify({ sub: user.id, role: 'authenticated' })]);
const plan = await db.query(
  `explain (analyze, buffers, costs off)
   select b.id, b.type, b.severity, b.status, b.title, b.message, b.url_template, b.page_url, b.selector, b.viewports,
          b.first_seen_at, b.last_seen_at, b.flow_id, b.step_index,
          coalesce((select o.evidence from public.bug_occurrences o where o.bug_id = b.id order by o.seen_at desc limit 1), '{}'::jsonb) as evidence
     from public.bugs b
    where b.site_id = $1 and b.url_template in ('/page/7', '*') and b.status in ('new', 'active', 'regressed')
      and not b.false_positive and (b.snoozed_until is null or b.snoozed_until <= now())
    order by b.severity, b.last_seen_at desc limit 200`,
  [user.site_id],
);
await db.query('rollback');
say('## EXPLAIN ANALYZE as that user (the query inside public.page_bugs, RLS applied)\n');
say('```');
for (const r of plan.rows) say(r['QUERY PLAN']);
say('```');
await db.end();
mkdirSync(join(REPO_ROOT, 'docs', 'benchmarks'), { recursive: true });
writeFileSync(join(REPO_ROOT, 'docs', 'benchmarks', 'overlay-query.md'), `${lines.join('\n')}\n\nMeasured ${new Date().toISOString().slice(0, 10)} with \`npm run bench:overlay-query\`.\n`);
if (process.env.BENCH_KEEP_STACK === '1') console.log('\nwritten to docs/benchmarks/overlay-query.md (the bench stack keeps running)');
else {
  await stack.stop();
  console.log('\nwritten to docs/benchmarks/overlay-query.md; bench stack stopped (its data stays for the next run)');
}
