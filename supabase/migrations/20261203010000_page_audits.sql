-- Reusing accessibility audits of unchanged pages (issue 13; the contract is core/src/report.ts
-- PageA11yAuditSchema and core/src/queue.ts JobPayloadSchema.audits). axe is most of what the
-- crawler's detectors cost; a page whose audit key (a hash of everything axe reads, and of axe
-- itself) equals the one of its stored audit is not audited again: the worker rebuilds its findings
-- from the stored nodes.
--
--   private.page_audits          the latest fresh audit per site × URL template × viewport
--   private.fresh_a11y_audit     a report's fresh audit, checked and normalised, or null (skipped)
--   private.job_audits           the audits a claimed job may reuse; job_payload gains 'audits'
--   private.finalise_audits      finalisation stores the run's fresh audits; finalise_run calls it
--
-- The rules, in one place:
--   * An audit is reusable for 7 days (core A11Y_AUDIT_LIMITS.maxAgeDays) after it was made.
--     audited_at is the finalisation time of the run that audited the page fresh; a run that reused
--     the audit does not move it, so every page is audited fresh at least once a week.
--   * A deploy-triggered run audits every page fresh: the payload offers it no audits (a decision:
--     after a deploy, the run that says what the deploy changed should not lean on a cache).
--   * Audits older than 7 days are deleted when the site's next run is finalised: they can never be
--     reused, and pages that left the site do not keep rows forever.

-- The cache -------------------------------------------------------------------------------------------
-- Internal, like private.rate_counters: no client role and not the service role may touch it; only
-- the security-definer functions below read and write it (RLS on, no policies, no grants).
create table private.page_audits (
  site_id uuid not null references public.sites (id) on delete cascade,
  url_template text not null constraint page_audits_url_template_length check (char_length(url_template) between 1 and 1024),
  viewport text not null constraint page_audits_viewport_valid check (viewport in ('desktop', 'tablet', 'mobile')),
  -- SHA-256 of what axe read and of the axe build (core A11yAuditKeySchema).
  audit_key text not null constraint page_audits_key_format check (audit_key ~ '^[0-9a-f]{64}$'),
  -- The flagged nodes, each exactly core's A11yAuditNodeSchema fields (at most 500: A11Y_AUDIT_LIMITS.nodes).
  nodes jsonb not null constraint page_audits_nodes_array check (jsonb_typeof(nodes) = 'array' and jsonb_array_length(nodes) <= 500),
  -- How many of axe's "incomplete" results the audit had (never reported as bugs; kept for the run).
  incomplete integer not null constraint page_audits_incomplete_count check (incomplete >= 0),
  audited_at timestamptz not null,
  run_id uuid references public.crawl_runs (id) on delete set null,
  primary key (site_id, url_template, viewport)
);
comment on table private.page_audits is
  'The latest fresh accessibility audit per site x URL template x viewport, offered to the next jobs for 7 days (issue 13). Written and read only by private.finalise_audits and private.job_audits.';
alter table private.page_audits enable row level security;
revoke all on table private.page_audits from public, anon, authenticated, service_role;

-- A fresh audit as a report carries it --------------------------------------------------------------
-- The worker validates reports with core's schema; this is the database's own check, because the
-- audit is served back to workers as it is stored. Anything not as core's PageA11yAuditSchema allows
-- (a key that is not 64 lowercase hex digits, nodes that are not an array of well-formed nodes, a
-- count that is not a whole number) makes the audit null: finalisation skips it and the page is
-- simply audited again next time. A malformed audit never refuses the report, nor fails the run.
-- Nodes are rebuilt from their known fields only, so nothing else a report carried is stored.
create or replace function private.fresh_a11y_audit(audit jsonb) returns jsonb
language plpgsql immutable
set search_path = ''
as $$
declare
  ok boolean;
  nodes jsonb;
begin
  if jsonb_typeof(audit) is distinct from 'object' or audit -> 'reused' is distinct from 'false'::jsonb
     or not coalesce(jsonb_typeof(audit -> 'key') = 'string' and (audit ->> 'key') ~ '^[0-9a-f]{64}$', false)
     or not coalesce(private.json_number_in(audit -> 'incomplete', 0, 10000000, true), false)
     or jsonb_typeof(audit -> 'nodes') is distinct from 'array' or jsonb_array_length(audit -> 'nodes') > 500 then
    return null;
  end if;
  -- Lengths are core's REPORT_LIMITS.text (short, title, url, selector, html); impacts core's A11Y_IMPACTS.
  select coalesce(bool_and(coalesce(
           jsonb_typeof(n) = 'object'
           and jsonb_typeof(n -> 'ruleId') = 'string' and n ->> 'ruleId' <> '' and private.json_text_upto(n -> 'ruleId', 200)
           and (jsonb_typeof(n -> 'impact') = 'null' or (n ->> 'impact') in ('critical', 'serious', 'moderate', 'minor'))
           and jsonb_typeof(n -> 'help') = 'string' and private.json_text_upto(n -> 'help', 500)
           and jsonb_typeof(n -> 'helpUrl') = 'string' and private.json_text_upto(n -> 'helpUrl', 2048)
           and jsonb_typeof(n -> 'target') = 'string' and private.json_text_upto(n -> 'target', 1000)
           and jsonb_typeof(n -> 'html') = 'string' and private.json_text_upto(n -> 'html', 2000)
           and jsonb_typeof(n -> 'siteWide') = 'boolean', false)), true),
         coalesce(jsonb_agg(jsonb_build_object(
           'ruleId', n -> 'ruleId', 'impact', n -> 'impact', 'help', n -> 'help', 'helpUrl', n -> 'helpUrl',
           'target', n -> 'target', 'html', n -> 'html', 'siteWide', n -> 'siteWide') order by i), '[]'::jsonb)
    into ok, nodes
    from jsonb_array_elements(audit -> 'nodes') with ordinality e(n, i);
  if not ok then
    return null;
  end if;
  return jsonb_build_object('key', audit ->> 'key', 'incomplete', (audit ->> 'incomplete')::integer, 'nodes', nodes);
end;
$$;
revoke all on function private.fresh_a11y_audit(jsonb) from public, anon, authenticated;
grant execute on function private.fresh_a11y_audit(jsonb) to service_role;

-- What a claimed job may reuse ------------------------------------------------------------------------
-- The site's audits for the job's viewport made in the last 7 days (A11Y_AUDIT_LIMITS.maxAgeDays);
-- none for a deploy-triggered run (see the rules above). Newest first, within 8 MB of nodes (the
-- size of a report, REPORT_LIMITS): a site whose audits would make a bigger payload gets its most
-- recent ones, and its other pages are audited fresh.
create or replace function private.job_audits(job public.crawl_jobs) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select coalesce(jsonb_agg(jsonb_build_object(
           'urlTemplate', a.url_template, 'key', a.audit_key, 'auditedAt', a.audited_at, 'incomplete', a.incomplete, 'nodes', a.nodes)
           order by a.audited_at desc, a.url_template), '[]'::jsonb)
    from (
      select pa.*, sum(octet_length(pa.nodes::text)) over (order by pa.audited_at desc, pa.url_template) as bytes
        from private.page_audits pa
       where pa.site_id = job.site_id and pa.viewport = job.viewport
         and pa.audited_at > now() - interval '7 days'
         and not exists (select 1 from public.crawl_runs r where r.id = job.run_id and r.trigger = 'deploy')
    ) a
   where a.bytes <= 8 * 1024 * 1024
$$;
revoke all on function private.job_audits(public.crawl_jobs) from public, anon, authenticated, service_role;

-- job_payload is job_payload_core with job.organizationId (20261203004000); it now also carries the
-- audits. Everything else it returns is unchanged.
create or replace function private.job_payload(job public.crawl_jobs) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_set(private.job_payload_core(job), '{job,organizationId}', to_jsonb(job.organization_id))
         || jsonb_build_object('audits', private.job_audits(job));
$$;
revoke all on function private.job_payload(public.crawl_jobs) from public, anon, authenticated;
grant execute on function private.job_payload(public.crawl_jobs) to service_role;

-- Finalisation: store the run's fresh audits -----------------------------------------------------------
-- Each page entry of the run's done jobs whose a11yAudit is fresh (reused: false) and well-formed
-- replaces the stored audit of its site × URL template × viewport, audited_at = the finalisation
-- time. A reused audit (reused: true) and a page without one change nothing: the stored row keeps
-- its audited_at, so the 7-day limit still forces a fresh audit weekly. A page audited fresh twice
-- in one run (a flow job and the discovery job both visited it) keeps the audit of the job that
-- finished last, the later entry of its report if one report has it twice.
-- Reads the jobs itself (not finalise_read_reports' temp tables): a security-definer function
-- should not read relations a caller's session can shadow.
create or replace function private.finalise_audits(target_run uuid, target_site uuid, t timestamptz) returns void
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into private.page_audits as pa (site_id, url_template, viewport, audit_key, nodes, incomplete, audited_at, run_id)
  select distinct on (f.url_template, f.viewport) target_site, f.url_template, f.viewport,
         f.audit ->> 'key', f.audit -> 'nodes', (f.audit ->> 'incomplete')::integer, t, target_run
    from (
      select p ->> 'urlTemplate' as url_template, coalesce(p ->> 'viewport', j.viewport) as viewport,
             private.fresh_a11y_audit(p -> 'a11yAudit') as audit, j.finished_at, j.id as job_id, e.i
        from public.crawl_jobs j
        cross join lateral jsonb_array_elements(case when jsonb_typeof(j.result -> 'pages') = 'array' then j.result -> 'pages' else '[]'::jsonb end)
             with ordinality e(p, i)
       where j.run_id = target_run and j.site_id = target_site and j.status = 'done'
         and jsonb_typeof(p) = 'object' and jsonb_typeof(p -> 'urlTemplate') = 'string' and p -> 'a11yAudit' -> 'reused' = 'false'::jsonb
    ) f
   where f.audit is not null and char_length(f.url_template) between 1 and 1024
     and f.viewport in ('desktop', 'tablet', 'mobile')
   order by f.url_template, f.viewport, f.finished_at desc nulls last, f.job_id desc, f.i desc
  on conflict (site_id, url_template, viewport) do update
     set audit_key = excluded.audit_key, nodes = excluded.nodes, incomplete = excluded.incomplete,
         audited_at = excluded.audited_at, run_id = excluded.run_id;

  delete from private.page_audits pa where pa.site_id = target_site and pa.audited_at <= t - interval '7 days';
end;
$$;
revoke all on function private.finalise_audits(uuid, uuid, timestamptz) from public, anon, authenticated;
grant execute on function private.finalise_audits(uuid, uuid, timestamptz) to service_role;

-- The run: as in 20261203008000_finalise_steps.sql, with finalise_audits after the site graph ---------
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
  perform private.finalise_audits(r.id, r.site_id, t);
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
