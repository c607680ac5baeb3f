-- A run's summary says how its accessibility audits were made (issue 13, docs/accessibility-audits.md):
-- 'a11yAudits': { fresh, reused, reusedSince }
--   fresh        page × viewport pairs axe audited in this run (in any of its done jobs)
--   reused       page × viewport pairs whose stored audit was reused by every job that inspected them
--   reusedSince  the oldest date among the reused audits (null when none was reused)
-- so the run page can say that unchanged pages kept an earlier audit, and since when. Read from the
-- done jobs' reports like private.finalise_audits; a malformed entry counts as neither, and a date
-- that does not read is left out (private.try_timestamptz).
-- Otherwise as in 20261203008000_finalise_steps.sql.
create or replace function private.finalise_summary(r public.crawl_runs, t timestamptz, prev_run uuid, discovered boolean, correlated uuid, v_health jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  jobs_done integer;
  jobs_total integer;
  audits jsonb;
begin
  select count(*) filter (where status = 'done'), count(*) into jobs_done, jobs_total from public.crawl_jobs where run_id = r.id;
  with entries as (
    select p ->> 'urlTemplate' as url_template, coalesce(p ->> 'viewport', j.viewport) as viewport,
           p -> 'a11yAudit' ->> 'reused' as reused,
           case when p -> 'a11yAudit' ->> 'reused' = 'true' then private.try_timestamptz(p -> 'a11yAudit' ->> 'auditedAt') end as audited_at
      from public.crawl_jobs j
     cross join lateral jsonb_array_elements(case when jsonb_typeof(j.result -> 'pages') = 'array' then j.result -> 'pages' else '[]'::jsonb end) p
     where j.run_id = r.id and j.status = 'done' and jsonb_typeof(p) = 'object' and jsonb_typeof(p -> 'a11yAudit') = 'object'
  ), pages as (
    select url_template, viewport, bool_or(reused = 'false') as fresh, bool_or(reused = 'true') as reused,
           min(audited_at) as audited_at
      from entries group by url_template, viewport
  )
  select jsonb_build_object(
           'fresh', count(*) filter (where fresh),
           'reused', count(*) filter (where reused and not fresh),
           'reusedSince', min(audited_at) filter (where reused and not fresh))
    into audits
    from pages;
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
    'deployEventId', correlated,
    'a11yAudits', audits
  );
end;
$$;
