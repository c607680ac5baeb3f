-- Crawl finalisation: one idempotent function that turns a run's job reports into Site Context,
-- in one transaction (DESIGN.md §4 "Worker", issue 3 "Analytics"):
--   bug upsert by fingerprint and lifecycle (new -> active -> fixed -> regressed -> active),
--   occurrences with evidence, "fixed" only where the bug's page × viewports were covered,
--   pages, links, metrics and rolling baselines, flow results and healed-selector proposals,
--   deploy correlation, the health score with its inputs, the crawl diff, and outbox rows.
-- A finalised run returns its stored summary: running it again changes nothing.

-- Health score, formula v1: the same integer arithmetic as core/src/health.ts (core/HEALTH.md);
-- tests/database/health.test.ts checks both give the same score for the same inputs.
--   bugs          = max(0, 100 − (40·P0 + 15·P1 + min(40, 5·P2) + min(20, P3)))
--   flows         = 100 if total = 0, else (200·passed + total) / (2·total)
--   performance   = 100 if n = 0, else (200·withinBaseline + n) / (2·n), n = withinBaseline + regressed
--   accessibility = max(0, 100 − (10·critical + 5·serious + min(20, 2·moderate) + min(10, minor)))
--   score         = (40·bugs + 30·flows + 15·performance + 15·accessibility + 50) / 100, at most 50 with a P0
create or replace function private.health_score(inputs jsonb) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
declare
  p0 integer := coalesce((inputs #>> '{bugs,P0}')::integer, 0);
  p1 integer := coalesce((inputs #>> '{bugs,P1}')::integer, 0);
  p2 integer := coalesce((inputs #>> '{bugs,P2}')::integer, 0);
  p3 integer := coalesce((inputs #>> '{bugs,P3}')::integer, 0);
  passed integer := coalesce((inputs #>> '{flows,passed}')::integer, 0);
  total integer := coalesce((inputs #>> '{flows,total}')::integer, 0);
  within integer := coalesce((inputs #>> '{performance,withinBaseline}')::integer, 0);
  regressed integer := coalesce((inputs #>> '{performance,regressed}')::integer, 0);
  critical integer := coalesce((inputs #>> '{accessibility,critical}')::integer, 0);
  serious integer := coalesce((inputs #>> '{accessibility,serious}')::integer, 0);
  moderate integer := coalesce((inputs #>> '{accessibility,moderate}')::integer, 0);
  minor integer := coalesce((inputs #>> '{accessibility,minor}')::integer, 0);
  c_bugs integer;
  c_flows integer;
  c_perf integer;
  c_a11y integer;
  score integer;
begin
  c_bugs := greatest(0, 100 - (40 * p0 + 15 * p1 + least(40, 5 * p2) + least(20, p3)));
  c_flows := case when total = 0 then 100 else (200 * passed + total) / (2 * total) end;
  c_perf := case when within + regressed = 0 then 100 else (200 * within + (within + regressed)) / (2 * (within + regressed)) end;
  c_a11y := greatest(0, 100 - (10 * critical + 5 * serious + least(20, 2 * moderate) + least(10, minor)));
  score := (40 * c_bugs + 30 * c_flows + 15 * c_perf + 15 * c_a11y + 50) / 100;
  if p0 > 0 then
    score := least(score, 50);
  end if;
  return jsonb_build_object(
    'score', score,
    'components', jsonb_build_object('bugs', c_bugs, 'flows', c_flows, 'performance', c_perf, 'accessibility', c_a11y),
    'formulaVersion', 'v1'
  );
end;
$$;
grant execute on function private.health_score(jsonb) to service_role, authenticated;

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
  v_inputs jsonb;
  v_health jsonb;
  v_summary jsonb;
  jobs_done integer;
  jobs_total integer;
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

  -- What the jobs reported -------------------------------------------------------------------------
  create temp table _reports on commit drop as
    select j.id as job_id, j.flow_id, j.flow_version, j.viewport, j.result as report
      from public.crawl_jobs j where j.run_id = r.id and j.status = 'done' and j.result is not null;

  create temp table _bug_rows on commit drop as
    select b ->> 'fingerprint' as fingerprint,
           coalesce(b ->> 'fingerprintVersion', '1') as fingerprint_version,
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
    select distinct on (fingerprint) fingerprint, fingerprint_version, type, severity, title, message, url_template, page_url,
           selector, step_index, flow_id,
           (select array_agg(distinct v.viewport order by v.viewport) from _bug_rows v where v.fingerprint = br.fingerprint) as viewports
      from _bug_rows br
     order by fingerprint, severity, viewport;

  create temp table _coverage on commit drop as
    select distinct coalesce(c ->> 'urlTemplate', '/') as url_template, coalesce(c ->> 'viewport', rep.viewport) as viewport
      from _reports rep, jsonb_array_elements(coalesce(rep.report -> 'coverage', '[]'::jsonb)) c;

  -- Bugs: insert new, move seen ones along their lifecycle ------------------------------------------
  create temp table _seen on commit drop as
    select b.id, b.status as old_status
      from public.bugs b join _bugs nb on nb.fingerprint = b.fingerprint where b.site_id = r.site_id;

  insert into public.bugs (site_id, fingerprint, fingerprint_version, type, severity, title, message, url_template, page_url,
                           selector, flow_id, step_index, status, first_seen_at, last_seen_at, first_run_id, last_run_id,
                           viewports, deploy_event_id)
  select r.site_id, nb.fingerprint, nb.fingerprint_version, nb.type, nb.severity, nb.title, nb.message, nb.url_template,
         nb.page_url, nb.selector, nb.flow_id, nb.step_index, 'new', t, t, r.id, r.id, nb.viewports, correlated
    from _bugs nb
   where not exists (select 1 from _seen s join public.bugs b on b.id = s.id where b.fingerprint = nb.fingerprint);

  update public.bugs b
     set status = case when b.status = 'fixed' then 'regressed'::public.bug_status else 'active'::public.bug_status end,
         times_regressed = b.times_regressed + case when b.status = 'fixed' then 1 else 0 end,
         fixed_at = null,
         deploy_event_id = case when b.status = 'fixed' then correlated else b.deploy_event_id end,
         last_seen_at = t, last_run_id = r.id, viewports = nb.viewports, severity = nb.severity, title = nb.title,
         message = nb.message, page_url = nb.page_url, selector = nb.selector, step_index = nb.step_index,
         fingerprint_version = nb.fingerprint_version, flow_id = coalesce(nb.flow_id, b.flow_id)
    from _bugs nb
   where b.site_id = r.site_id and b.fingerprint = nb.fingerprint and b.id in (select id from _seen);

  insert into public.bug_occurrences (bug_id, site_id, run_id, viewport, page_url, seen_at, evidence)
  select distinct on (b.id, br.viewport) b.id, r.site_id, r.id, br.viewport, br.page_url, t, br.evidence
    from _bug_rows br join public.bugs b on b.site_id = r.site_id and b.fingerprint = br.fingerprint
   order by b.id, br.viewport, br.severity
  on conflict (bug_id, run_id, viewport) do nothing;

  -- Fixed: not seen this run, and every viewport it lived on was covered on its page this run.
  -- A site-wide bug (url_template '*') counts as covered when any page was covered on that viewport.
  create temp table _fixed (id uuid) on commit drop;
  with candidates as (
      select b.id from public.bugs b
       where b.site_id = r.site_id and b.status in ('new', 'active', 'regressed') and b.last_run_id is distinct from r.id
         and cardinality(b.viewports) > 0
         and not exists (
           select 1 from unnest(b.viewports) as v(viewport)
            where not exists (
              select 1 from _coverage c where c.viewport = v.viewport and (c.url_template = b.url_template or b.url_template = '*')))
  ), fixed as (
    update public.bugs b set status = 'fixed', fixed_at = t from candidates c where b.id = c.id returning b.id
  )
  insert into _fixed select id from fixed;

  -- Site graph, metrics and baselines ----------------------------------------------------------------
  create temp table _pages on commit drop as
    select coalesce(p ->> 'urlTemplate', '/') as url_template, p ->> 'url' as url, p ->> 'title' as title,
           coalesce(p ->> 'viewport', rep.viewport) as viewport, p -> 'metrics' as metrics, p -> 'fingerprint' as fingerprint,
           coalesce(p -> 'links', '[]'::jsonb) as links
      from _reports rep, jsonb_array_elements(coalesce(rep.report -> 'pages', '[]'::jsonb)) p;

  discovered := exists (select 1 from public.crawl_jobs where run_id = r.id and flow_id is null and status = 'done');

  insert into public.pages (site_id, url_template, sample_url, title, fingerprint, first_seen_at, last_seen_at, last_run_id)
  select distinct on (url_template) r.site_id, url_template, url, title, fingerprint, t, t, r.id
    from _pages order by url_template, viewport
  on conflict (site_id, url_template) do update
     set sample_url = excluded.sample_url, title = coalesce(excluded.title, public.pages.title),
         fingerprint = coalesce(excluded.fingerprint, public.pages.fingerprint), last_seen_at = t, last_run_id = r.id;

  insert into public.page_edges (from_page_id, to_page_id, site_id, first_seen_at, last_seen_at)
  select distinct fp.id, tp.id, r.site_id, t, t
    from _pages p
    cross join lateral jsonb_array_elements_text(p.links) l(url_template)
    join public.pages fp on fp.site_id = r.site_id and fp.url_template = p.url_template
    join public.pages tp on tp.site_id = r.site_id and tp.url_template = l.url_template
   where fp.id <> tp.id
  on conflict (from_page_id, to_page_id) do update set last_seen_at = t;

  insert into public.page_metrics (site_id, page_id, run_id, viewport, measured_at, ttfb_ms, fcp_ms, lcp_ms, cls, load_ms)
  select distinct on (pg.id, p.viewport) r.site_id, pg.id, r.id, p.viewport, t,
         (p.metrics ->> 'ttfbMs')::real, (p.metrics ->> 'fcpMs')::real, (p.metrics ->> 'lcpMs')::real,
         (p.metrics ->> 'cls')::real, (p.metrics ->> 'loadMs')::real
    from _pages p join public.pages pg on pg.site_id = r.site_id and pg.url_template = p.url_template
   where p.metrics is not null and jsonb_typeof(p.metrics) = 'object'
   order by pg.id, p.viewport
  on conflict (run_id, page_id, viewport) do nothing;

  -- Rolling baselines over the last 30 samples of each metric touched by this run.
  insert into public.page_baselines (page_id, viewport, metric, site_id, samples, mean, stddev, updated_at)
  select s.page_id, s.viewport, s.metric, r.site_id, count(*), avg(s.value), coalesce(stddev_samp(s.value), 0), t
    from (
      select m.page_id, m.viewport, u.metric, u.value,
             row_number() over (partition by m.page_id, m.viewport, u.metric order by m.measured_at desc, m.id desc) as n
        from public.page_metrics m
        cross join lateral (values ('ttfb_ms', m.ttfb_ms), ('fcp_ms', m.fcp_ms), ('lcp_ms', m.lcp_ms), ('cls', m.cls), ('load_ms', m.load_ms)) u(metric, value)
       where m.site_id = r.site_id and u.value is not null
         and (m.page_id, m.viewport) in (select page_id, viewport from public.page_metrics where run_id = r.id)
    ) s
   where s.n <= 30
   group by s.page_id, s.viewport, s.metric
  on conflict (page_id, viewport, metric) do update
     set samples = excluded.samples, mean = excluded.mean, stddev = excluded.stddev, updated_at = t;

  -- Flow results and healed selectors proposed back --------------------------------------------------
  insert into public.flow_results (site_id, flow_id, flow_version, run_id, job_id, viewport, source, status, healed_steps,
                                   failed_step, flaky, steps, started_at, finished_at)
  select r.site_id, rep.flow_id, coalesce(rep.flow_version, 1), r.id, rep.job_id, rep.viewport, 'crawler',
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
  select r.site_id, j.flow_id, coalesce(j.flow_version, 1), r.id, j.id, j.viewport, 'crawler', 'errored', coalesce(j.started_at, t), coalesce(j.finished_at, t)
    from public.crawl_jobs j
   where j.run_id = r.id and j.status = 'failed' and j.flow_id is not null and exists (select 1 from public.flows f where f.id = j.flow_id)
  on conflict (run_id, flow_id, viewport) where source = 'crawler' do nothing;

  insert into public.selector_proposals (site_id, flow_id, step_id, flow_version, from_selector, to_selector, confidence, run_id)
  select distinct on (st.id, h.to_sel) r.site_id, rep.flow_id, st.id, coalesce(rep.flow_version, 1), h.from_sel, h.to_sel,
         least(greatest(h.confidence, 0), 1), r.id
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

  -- Health score --------------------------------------------------------------------------------------
  -- Inputs: active bugs that are not silenced; this run's flow results (errored runs say nothing
  -- about the site); metric comparisons against baselines that had enough samples before this run;
  -- accessibility bugs by the axe impact of their latest sighting.
  v_inputs := jsonb_build_object(
    'bugs', (select jsonb_build_object(
                      'P0', count(*) filter (where severity = 'P0'), 'P1', count(*) filter (where severity = 'P1'),
                      'P2', count(*) filter (where severity = 'P2'), 'P3', count(*) filter (where severity = 'P3'))
               from public.bugs
              where site_id = r.site_id and status in ('new', 'active', 'regressed') and not false_positive
                and (snoozed_until is null or snoozed_until <= t)),
    'flows', (select jsonb_build_object('passed', count(*) filter (where status = 'passed'),
                                        'total', count(*) filter (where status in ('passed', 'failed')))
                from public.flow_results where run_id = r.id and source = 'crawler'),
    'performance', (
      with regressed as (
        select count(*)::integer as n from public.bugs
         where site_id = r.site_id and type = 'perf_regression' and last_run_id = r.id
           and not false_positive and (snoozed_until is null or snoozed_until <= t)),
      compared as (
        select count(*)::integer as n
          from public.page_metrics m
          cross join lateral (values ('ttfb_ms', m.ttfb_ms), ('fcp_ms', m.fcp_ms), ('lcp_ms', m.lcp_ms), ('cls', m.cls), ('load_ms', m.load_ms)) u(metric, value)
          join public.page_baselines b on b.page_id = m.page_id and b.viewport = m.viewport and b.metric = u.metric
         where m.run_id = r.id and u.value is not null and b.samples > 5)
      select jsonb_build_object('withinBaseline', greatest(0, compared.n - regressed.n), 'regressed', regressed.n) from regressed, compared),
    'accessibility', (select jsonb_build_object(
                        'critical', count(*) filter (where impact = 'critical'), 'serious', count(*) filter (where impact = 'serious'),
                        'moderate', count(*) filter (where impact = 'moderate'), 'minor', count(*) filter (where impact = 'minor'))
                        from (select (select o.evidence #>> '{axe,impact}' from public.bug_occurrences o
                                       where o.bug_id = b.id order by o.seen_at desc limit 1) as impact
                                from public.bugs b
                               where b.site_id = r.site_id and b.type = 'a11y' and b.status in ('new', 'active', 'regressed')
                                 and not b.false_positive and (b.snoozed_until is null or b.snoozed_until <= t)) a)
  );
  v_health := private.health_score(v_inputs);
  insert into public.health_scores (site_id, run_id, score, components, inputs, formula_version, computed_at)
  values (r.site_id, r.id, (v_health ->> 'score')::integer, v_health -> 'components', v_inputs, v_health ->> 'formulaVersion', t);

  -- Crawl diff ----------------------------------------------------------------------------------------
  select count(*) filter (where status = 'done'), count(*) into jobs_done, jobs_total from public.crawl_jobs where run_id = r.id;
  v_summary := jsonb_build_object(
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

  -- Instant alert: new or regressed P0/P1 bugs that are not silenced -> one outbox row per site per run.
  insert into public.notification_outbox (site_id, kind, period_key, run_id, payload)
  select r.site_id, 'instant', r.id::text, r.id,
         jsonb_build_object('runId', r.id, 'bugIds', jsonb_agg(b.id order by b.severity, b.first_seen_at), 'deployEventId', correlated)
    from public.bugs b
   where b.site_id = r.site_id and b.last_run_id = r.id and b.severity in ('P0', 'P1') and not b.false_positive
     and (b.snoozed_until is null or b.snoozed_until <= t)
     and (b.first_run_id = r.id or b.id in (select s.id from _seen s where s.old_status = 'fixed'))
  having count(*) > 0
  on conflict (site_id, kind, period_key) do nothing;

  update public.crawl_runs
     set status = case when jobs_done = 0 and jobs_total > 0 then 'failed'::public.run_status else 'completed'::public.run_status end,
         finished_at = t, summary = v_summary, health_score = (v_health ->> 'score')::integer,
         error = case when jobs_done < jobs_total then format('%s of %s jobs failed', jobs_total - jobs_done, jobs_total) end
   where id = r.id;
  -- Dropped now rather than at commit, so several runs can be finalised in one transaction.
  drop table _reports, _bug_rows, _bugs, _coverage, _seen, _fixed, _pages;
  return v_summary;
end;
$$;
revoke all on function public.finalise_run(uuid) from public, anon, authenticated;
grant execute on function public.finalise_run(uuid) to service_role;
