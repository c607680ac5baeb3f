-- finalise_run in named steps (issue 16). Behaviour is unchanged: the same statements as
-- 20261122000900_finalise.sql, moved into private functions that finalise_run calls in order, in
-- its one transaction. The steps share the run's data through session temp tables (created by
-- finalise_read_reports, dropped at the end of finalise_run), as the single function did.
--
--   finalise_read_reports   _reports, _bug_rows, _bugs, _coverage  (what the jobs reported)
--   finalise_bugs           new bugs, seen bugs along their lifecycle, occurrences, fixed (_seen, _fixed)
--   finalise_site_graph     pages, links, metrics, rolling baselines (_pages); whether discovery ran
--   finalise_flow_results   flow results, failed jobs as errored, healed-selector proposals
--   finalise_health         the health score and its inputs
--   finalise_summary        the crawl diff stored on the run
--   finalise_alerts         the instant alert outbox row
--
-- Two additions ride along: the "open" rule is asked of private.bug_status_is_open (the lifecycle)
-- and private.bug_is_open (lifecycle + not a false positive + not snoozed; 20261203007000) instead of
-- being spelled out, and each bug keeps the parts its fingerprint hashed (bugs.fingerprint_parts),
-- so a grouping can be explained from its row.

alter table public.bugs add column fingerprint_parts jsonb
  constraint bugs_fingerprint_parts_shape check (fingerprint_parts is null or (jsonb_typeof(fingerprint_parts) = 'array' and jsonb_array_length(fingerprint_parts) <= 8));
comment on column public.bugs.fingerprint_parts is
  'What the fingerprint hashed, as core computeFingerprint reported it: [{name, value, contributes, reason}]; null for bugs first seen before it was stored.';

-- What the jobs reported -------------------------------------------------------------------------------
create or replace function private.finalise_read_reports(target_run uuid) returns void
language plpgsql
set search_path = ''
as $$
begin
  create temp table _reports on commit drop as
    select j.id as job_id, j.flow_id, j.flow_version, j.viewport, j.result as report
      from public.crawl_jobs j where j.run_id = target_run and j.status = 'done' and j.result is not null;

  create temp table _bug_rows on commit drop as
    select b ->> 'fingerprint' as fingerprint,
           coalesce(b ->> 'fingerprintVersion', '1') as fingerprint_version,
           case when jsonb_typeof(b -> 'fingerprintParts') = 'array' and jsonb_array_length(b -> 'fingerprintParts') <= 8
                then b -> 'fingerprintParts' end as fingerprint_parts,
           (b ->> 'type')::public.bug_type as type,
           (b ->> 'severity')::public.bug_severity as severity,
           left(coalesce(b ->> 'title', 'Untitled'), 500) as title,
           left(b ->> 'message', 4000) as message,
           coalesce(b ->> 'urlTemplate', '/') as url_template,
           b ->> 'pageUrl' as page_url,
           b ->> 'selector' as selector,
           coalesce(b ->> 'viewport', rep.viewport) as viewport,
           (b ->> 'stepIndex')::integer as step_index,
           rep.flow_id,
           coalesce(b -> 'evidence', '{}'::jsonb) as evidence
      from _reports rep, jsonb_array_elements(rep.report -> 'bugs') b
     where b ->> 'fingerprint' is not null;

  -- One row per fingerprint: the most severe sighting speaks for the bug, on every viewport it had.
  create temp table _bugs on commit drop as
    select distinct on (fingerprint) fingerprint, fingerprint_version, fingerprint_parts, type, severity, title, message, url_template,
           page_url, selector, step_index, flow_id,
           (select array_agg(distinct v.viewport order by v.viewport) from _bug_rows v where v.fingerprint = br.fingerprint) as viewports
      from _bug_rows br
     order by fingerprint, severity, viewport;

  create temp table _coverage on commit drop as
    select distinct coalesce(c ->> 'urlTemplate', '/') as url_template, coalesce(c ->> 'viewport', rep.viewport) as viewport
      from _reports rep, jsonb_array_elements(coalesce(rep.report -> 'coverage', '[]'::jsonb)) c;
end;
$$;

-- Bugs: insert new, move seen ones along their lifecycle, occurrences, fixed --------------------------
create or replace function private.finalise_bugs(target_run uuid, target_site uuid, t timestamptz, correlated uuid) returns void
language plpgsql
set search_path = ''
as $$
begin
  create temp table _seen on commit drop as
    select b.id, b.status as old_status
      from public.bugs b join _bugs nb on nb.fingerprint = b.fingerprint where b.site_id = target_site;

  insert into public.bugs (site_id, fingerprint, fingerprint_version, fingerprint_parts, type, severity, title, message, url_template,
                           page_url, selector, flow_id, step_index, status, first_seen_at, last_seen_at, first_run_id, last_run_id,
                           viewports, deploy_event_id)
  select target_site, nb.fingerprint, nb.fingerprint_version, nb.fingerprint_parts, nb.type, nb.severity, nb.title, nb.message,
         nb.url_template, nb.page_url, nb.selector, nb.flow_id, nb.step_index, 'new', t, t, target_run, target_run, nb.viewports, correlated
    from _bugs nb
   where not exists (select 1 from _seen s join public.bugs b on b.id = s.id where b.fingerprint = nb.fingerprint);

  update public.bugs b
     set status = case when b.status = 'fixed' then 'regressed'::public.bug_status else 'active'::public.bug_status end,
         times_regressed = b.times_regressed + case when b.status = 'fixed' then 1 else 0 end,
         fixed_at = null,
         deploy_event_id = case when b.status = 'fixed' then correlated else b.deploy_event_id end,
         last_seen_at = t, last_run_id = target_run, viewports = nb.viewports, severity = nb.severity, title = nb.title,
         message = nb.message, page_url = nb.page_url, selector = nb.selector, step_index = nb.step_index,
         fingerprint_version = nb.fingerprint_version, fingerprint_parts = coalesce(nb.fingerprint_parts, b.fingerprint_parts),
         flow_id = coalesce(nb.flow_id, b.flow_id)
    from _bugs nb
   where b.site_id = target_site and b.fingerprint = nb.fingerprint and b.id in (select id from _seen);

  insert into public.bug_occurrences (bug_id, site_id, run_id, viewport, page_url, seen_at, evidence)
  select distinct on (b.id, br.viewport) b.id, target_site, target_run, br.viewport, br.page_url, t, br.evidence
    from _bug_rows br join public.bugs b on b.site_id = target_site and b.fingerprint = br.fingerprint
   order by b.id, br.viewport, br.severity
  on conflict (bug_id, run_id, viewport) do nothing;

  -- Fixed: not seen this run, and every viewport it lived on was covered on its page this run.
  -- A site-wide bug (url_template '*') counts as covered when any page was covered on that viewport.
  -- (Snoozed and false-positive bugs are fixed too: the lifecycle alone decides.)
  create temp table _fixed (id uuid) on commit drop;
  with candidates as (
      select b.id from public.bugs b
       where b.site_id = target_site and private.bug_status_is_open(b.status) and b.last_run_id is distinct from target_run
         and cardinality(b.viewports) > 0
         and not exists (
           select 1 from unnest(b.viewports) as v(viewport)
            where not exists (
              select 1 from _coverage c where c.viewport = v.viewport and (c.url_template = b.url_template or b.url_template = '*')))
  ), fixed as (
    update public.bugs b set status = 'fixed', fixed_at = t from candidates c where b.id = c.id returning b.id
  )
  insert into _fixed select id from fixed;
end;
$$;

-- Site graph, metrics and baselines; answers whether the run's discovery job ran -----------------------
create or replace function private.finalise_site_graph(target_run uuid, target_site uuid, t timestamptz) returns boolean
language plpgsql
set search_path = ''
as $$
begin
  create temp table _pages on commit drop as
    select coalesce(p ->> 'urlTemplate', '/') as url_template, p ->> 'url' as url, p ->> 'title' as title,
           coalesce(p ->> 'viewport', rep.viewport) as viewport, p -> 'metrics' as metrics, p -> 'fingerprint' as fingerprint,
           coalesce(p -> 'links', '[]'::jsonb) as links
      from _reports rep, jsonb_array_elements(coalesce(rep.report -> 'pages', '[]'::jsonb)) p;

  insert into public.pages (site_id, url_template, sample_url, title, fingerprint, first_seen_at, last_seen_at, last_run_id)
  select distinct on (url_template) target_site, url_template, url, title, fingerprint, t, t, target_run
    from _pages order by url_template, viewport
  on conflict (site_id, url_template) do update
     set sample_url = excluded.sample_url, title = coalesce(excluded.title, public.pages.title),
         fingerprint = coalesce(excluded.fingerprint, public.pages.fingerprint), last_seen_at = t, last_run_id = target_run;

  insert into public.page_edges (from_page_id, to_page_id, site_id, first_seen_at, last_seen_at)
  select distinct fp.id, tp.id, target_site, t, t
    from _pages p
    cross join lateral jsonb_array_elements_text(p.links) l(url_template)
    join public.pages fp on fp.site_id = target_site and fp.url_template = p.url_template
    join public.pages tp on tp.site_id = target_site and tp.url_template = l.url_template
   where fp.id <> tp.id
  on conflict (from_page_id, to_page_id) do update set last_seen_at = t;

  insert into public.page_metrics (site_id, page_id, run_id, viewport, measured_at, ttfb_ms, fcp_ms, lcp_ms, cls, load_ms)
  select distinct on (pg.id, p.viewport) target_site, pg.id, target_run, p.viewport, t,
         (p.metrics ->> 'ttfbMs')::real, (p.metrics ->> 'fcpMs')::real, (p.metrics ->> 'lcpMs')::real,
         (p.metrics ->> 'cls')::real, (p.metrics ->> 'loadMs')::real
    from _pages p join public.pages pg on pg.site_id = target_site and pg.url_template = p.url_template
   where p.metrics is not null and jsonb_typeof(p.metrics) = 'object'
   order by pg.id, p.viewport
  on conflict (run_id, page_id, viewport) do nothing;

  -- Rolling baselines over the last 30 samples of each metric touched by this run.
  insert into public.page_baselines (page_id, viewport, metric, site_id, samples, mean, stddev, updated_at)
  select s.page_id, s.viewport, s.metric, target_site, count(*), avg(s.value), coalesce(stddev_samp(s.value), 0), t
    from (
      select m.page_id, m.viewport, u.metric, u.value,
             row_number() over (partition by m.page_id, m.viewport, u.metric order by m.measured_at desc, m.id desc) as n
        from public.page_metrics m
        cross join lateral (values ('ttfb_ms', m.ttfb_ms), ('fcp_ms', m.fcp_ms), ('lcp_ms', m.lcp_ms), ('cls', m.cls), ('load_ms', m.load_ms)) u(metric, value)
       where m.site_id = target_site and u.value is not null
         and (m.page_id, m.viewport) in (select page_id, viewport from public.page_metrics where run_id = target_run)
    ) s
   where s.n <= 30
   group by s.page_id, s.viewport, s.metric
  on conflict (page_id, viewport, metric) do update
     set samples = excluded.samples, mean = excluded.mean, stddev = excluded.stddev, updated_at = t;

  return exists (select 1 from public.crawl_jobs where run_id = target_run and flow_id is null and status = 'done');
end;
$$;

-- Flow results and healed selectors proposed back -------------------------------------------------------
create or replace function private.finalise_flow_results(target_run uuid, target_site uuid, t timestamptz) returns void
language plpgsql
set search_path = ''
as $$
begin
  insert into public.flow_results (site_id, flow_id, flow_version, run_id, job_id, viewport, source, status, healed_steps,
                                   failed_step, flaky, steps, started_at, finished_at)
  select target_site, rep.flow_id, coalesce(rep.flow_version, 1), target_run, rep.job_id, rep.viewport, 'crawler',
         case when fr ->> 'status' in ('passed', 'failed', 'errored') then fr ->> 'status' else 'errored' end,
         coalesce((select array_agg((s ->> 'index')::integer order by (s ->> 'index')::integer)
                     from jsonb_array_elements(fr -> 'steps') s where s ->> 'status' = 'healed'), '{}'),
         (select min((s ->> 'index')::integer) from jsonb_array_elements(fr -> 'steps') s where s ->> 'status' = 'failed'),
         coalesce((fr ->> 'flaky')::boolean, false),
         coalesce(fr -> 'steps', '[]'::jsonb), coalesce(rep.report ->> 'startedAt', t::text)::timestamptz,
         coalesce(rep.report ->> 'finishedAt', t::text)::timestamptz
    from _reports rep
    cross join lateral (select x from jsonb_array_elements(coalesce(rep.report -> 'runs', '[]'::jsonb)) x limit 1) one(fr)
   where rep.flow_id is not null and exists (select 1 from public.flows f where f.id = rep.flow_id)
  on conflict (run_id, flow_id, viewport) where source = 'crawler' do nothing;

  -- Jobs that failed for good still count as a flow run: errored.
  insert into public.flow_results (site_id, flow_id, flow_version, run_id, job_id, viewport, source, status, started_at, finished_at)
  select target_site, j.flow_id, coalesce(j.flow_version, 1), target_run, j.id, j.viewport, 'crawler', 'errored', coalesce(j.started_at, t), coalesce(j.finished_at, t)
    from public.crawl_jobs j
   where j.run_id = target_run and j.status = 'failed' and j.flow_id is not null and exists (select 1 from public.flows f where f.id = j.flow_id)
  on conflict (run_id, flow_id, viewport) where source = 'crawler' do nothing;

  insert into public.selector_proposals (site_id, flow_id, step_id, flow_version, from_selector, to_selector, confidence, run_id)
  select distinct on (st.id, h.to_sel) target_site, rep.flow_id, st.id, coalesce(rep.flow_version, 1), h.from_sel, h.to_sel,
         least(greatest(h.confidence, 0), 1), target_run
    from _reports rep
    cross join lateral jsonb_array_elements(coalesce(rep.report -> 'runs', '[]'::jsonb)) fr
    cross join lateral jsonb_array_elements(coalesce(fr -> 'steps', '[]'::jsonb)) s
    cross join lateral (select s #> '{healing,from}' as from_sel, s #> '{healing,to}' as to_sel,
                               (s #>> '{healing,confidence}')::real as confidence) h
    join public.flow_steps st on st.flow_id = rep.flow_id and st.position = (s ->> 'index')::integer
   where s ->> 'status' = 'healed' and h.to_sel is not null and h.confidence is not null
     and not exists (select 1 from public.selector_proposals sp where sp.step_id = st.id and sp.to_selector = h.to_sel and sp.status in ('pending', 'rejected'))
   order by st.id, h.to_sel, h.confidence desc
  on conflict do nothing;
end;
$$;

-- Health score: inputs, score, stored; answers private.health_score's result ---------------------------
-- Inputs: open bugs (private.bug_is_open); this run's flow results (errored and needs_setup runs say
-- nothing about the site); metric comparisons against baselines that had enough samples before this
-- run; accessibility bugs by the axe impact of their latest sighting.
create or replace function private.finalise_health(target_run uuid, target_site uuid, t timestamptz) returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_inputs jsonb;
  v_health jsonb;
begin
  v_inputs := jsonb_build_object(
    'bugs', (select jsonb_build_object(
                      'P0', count(*) filter (where severity = 'P0'), 'P1', count(*) filter (where severity = 'P1'),
                      'P2', count(*) filter (where severity = 'P2'), 'P3', count(*) filter (where severity = 'P3'))
               from public.bugs
              where site_id = target_site and private.bug_is_open(status, false_positive, snoozed_until, t)),
    'flows', (select jsonb_build_object('passed', count(*) filter (where status = 'passed'),
                                        'total', count(*) filter (where status in ('passed', 'failed')))
                from public.flow_results where run_id = target_run and source = 'crawler'),
    'performance', (
      with regressed as (
        select count(*)::integer as n from public.bugs
         where site_id = target_site and type = 'perf_regression' and last_run_id = target_run
           and not false_positive and (snoozed_until is null or snoozed_until <= t)),
      compared as (
        select count(*)::integer as n
          from public.page_metrics m
          cross join lateral (values ('ttfb_ms', m.ttfb_ms), ('fcp_ms', m.fcp_ms), ('lcp_ms', m.lcp_ms), ('cls', m.cls), ('load_ms', m.load_ms)) u(metric, value)
          join public.page_baselines b on b.page_id = m.page_id and b.viewport = m.viewport and b.metric = u.metric
         where m.run_id = target_run and u.value is not null and b.samples > 5)
      select jsonb_build_object('withinBaseline', greatest(0, compared.n - regressed.n), 'regressed', regressed.n) from regressed, compared),
    'accessibility', (select jsonb_build_object(
                        'critical', count(*) filter (where impact = 'critical'), 'serious', count(*) filter (where impact = 'serious'),
                        'moderate', count(*) filter (where impact = 'moderate'), 'minor', count(*) filter (where impact = 'minor'))
                        from (select (select o.evidence #>> '{axe,impact}' from public.bug_occurrences o
                                       where o.bug_id = b.id order by o.seen_at desc limit 1) as impact
                                from public.bugs b
                               where b.site_id = target_site and b.type = 'a11y'
                                 and private.bug_is_open(b.status, b.false_positive, b.snoozed_until, t)) a)
  );
  v_health := private.health_score(v_inputs);
  insert into public.health_scores (site_id, run_id, score, components, inputs, formula_version, computed_at)
  values (target_site, target_run, (v_health ->> 'score')::integer, v_health -> 'components', v_inputs, v_health ->> 'formulaVersion', t);
  return v_health;
end;
$$;

-- Crawl diff ---------------------------------------------------------------------------------------------
create or replace function private.finalise_summary(r public.crawl_runs, t timestamptz, prev_run uuid, discovered boolean, correlated uuid, v_health jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  jobs_done integer;
  jobs_total integer;
begin
  select count(*) filter (where status = 'done'), count(*) into jobs_done, jobs_total from public.crawl_jobs where run_id = r.id;
  return jsonb_build_object(
    'new', coalesce((select jsonb_agg(b.id) from public.bugs b where b.site_id = r.site_id and b.first_run_id = r.id), '[]'::jsonb),
    'regressed', coalesce((select jsonb_agg(s.id) from _seen s where s.old_status = 'fixed'), '[]'::jsonb),
    'persistent', coalesce((select jsonb_agg(s.id) from _seen s where s.old_status <> 'fixed'), '[]'::jsonb),
    'fixed', coalesce((select jsonb_agg(f.id) from _fixed f), '[]'::jsonb),
    'pagesAdded', coalesce((select jsonb_agg(p.url_template order by p.url_template) from public.pages p
                             where p.site_id = r.site_id and p.first_seen_at = t), '[]'::jsonb),
    'pagesRemoved', case when discovered and prev_run is not null then coalesce((
                       select jsonb_agg(p.url_template order by p.url_template) from public.pages p
                        where p.site_id = r.site_id and p.last_run_id = prev_run), '[]'::jsonb) else '[]'::jsonb end,
    'healthScore', (v_health ->> 'score')::integer,
    'previousHealthScore', (select h.score from public.health_scores h where h.run_id = prev_run),
    'jobs', jsonb_build_object('done', jobs_done, 'total', jobs_total),
    'deployEventId', correlated
  );
end;
$$;

-- Instant alert: new or regressed P0/P1 bugs that are not silenced -> one outbox row per site per run.
-- (The alert policy's deferred trigger then owns the row: 20261203002000_alert_policies.sql.)
create or replace function private.finalise_alerts(target_run uuid, target_site uuid, t timestamptz, correlated uuid) returns void
language plpgsql
set search_path = ''
as $$
begin
  insert into public.notification_outbox (site_id, kind, period_key, run_id, payload)
  select target_site, 'instant', target_run::text, target_run,
         jsonb_build_object('runId', target_run, 'bugIds', jsonb_agg(b.id order by b.severity, b.first_seen_at), 'deployEventId', correlated)
    from public.bugs b
   where b.site_id = target_site and b.last_run_id = target_run and b.severity in ('P0', 'P1') and not b.false_positive
     and (b.snoozed_until is null or b.snoozed_until <= t)
     and (b.first_run_id = target_run or b.id in (select s.id from _seen s where s.old_status = 'fixed'))
  having count(*) > 0
  on conflict (site_id, kind, period_key) do nothing;
end;
$$;

-- The run: lock, check, the steps in order, the run row ------------------------------------------------
create or replace function public.finalise_run(target_run uuid) returns jsonb
language plpgsql security invoker
set search_path = ''
as $$
declare
  r public.crawl_runs;
  t timestamptz := now();
  correlated uuid;
  prev_run uuid;
  discovered boolean;
  v_health jsonb;
  v_summary jsonb;
begin
  select * into r from public.crawl_runs where id = target_run for update;
  if r.id is null then
    raise exception 'Run % does not exist.', target_run using errcode = 'P0002';
  end if;
  if r.finished_at is not null then
    return r.summary;
  end if;
  if exists (select 1 from public.crawl_jobs where run_id = r.id and status in ('queued', 'running')) then
    raise exception 'Run % still has jobs in progress; it is finalised when its last job ends.', r.id using errcode = '55000';
  end if;

  -- The deploy a new bug is attributed to: the one that triggered this run, else the latest deploy
  -- of the site in the 24 hours before the run was created.
  correlated := coalesce(r.deploy_event_id, (
    select d.id from public.deploy_events d
     where d.site_id = r.site_id and d.received_at <= r.created_at and d.received_at > r.created_at - interval '24 hours'
     order by d.received_at desc limit 1));
  select id into prev_run from public.crawl_runs
   where site_id = r.site_id and id <> r.id and finished_at is not null and created_at < r.created_at
   order by created_at desc limit 1;

  perform private.finalise_read_reports(r.id);
  perform private.finalise_bugs(r.id, r.site_id, t, correlated);
  discovered := private.finalise_site_graph(r.id, r.site_id, t);
  perform private.finalise_flow_results(r.id, r.site_id, t);
  v_health := private.finalise_health(r.id, r.site_id, t);
  v_summary := private.finalise_summary(r, t, prev_run, discovered, correlated, v_health);
  perform private.finalise_alerts(r.id, r.site_id, t, correlated);

  update public.crawl_runs
     set status = case when (v_summary #>> '{jobs,done}')::integer = 0 and (v_summary #>> '{jobs,total}')::integer > 0
                       then 'failed'::public.run_status else 'completed'::public.run_status end,
         finished_at = t, summary = v_summary, health_score = (v_health ->> 'score')::integer,
         error = case when (v_summary #>> '{jobs,done}')::integer < (v_summary #>> '{jobs,total}')::integer
                      then format('%s of %s jobs failed', (v_summary #>> '{jobs,total}')::integer - (v_summary #>> '{jobs,done}')::integer,
                                  (v_summary #>> '{jobs,total}')::integer) end
   where id = r.id;
  -- Dropped now rather than at commit, so several runs can be finalised in one transaction.
  drop table _reports, _bug_rows, _bugs, _coverage, _seen, _fixed, _pages;
  return v_summary;
end;
$$;
revoke all on function public.finalise_run(uuid) from public, anon, authenticated;
grant execute on function public.finalise_run(uuid) to service_role;

do $$
declare
  f text;
begin
  foreach f in array array[
    'private.finalise_read_reports(uuid)',
    'private.finalise_bugs(uuid, uuid, timestamptz, uuid)',
    'private.finalise_site_graph(uuid, uuid, timestamptz)',
    'private.finalise_flow_results(uuid, uuid, timestamptz)',
    'private.finalise_health(uuid, uuid, timestamptz)',
    'private.finalise_summary(public.crawl_runs, timestamptz, uuid, boolean, uuid, jsonb)',
    'private.finalise_alerts(uuid, uuid, timestamptz, uuid)'
  ] loop
    execute format('revoke all on function %s from public, anon, authenticated', f);
    execute format('grant execute on function %s to service_role', f);
  end loop;
end;
$$;
