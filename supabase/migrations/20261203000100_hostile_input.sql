-- Hostile tenants and hostile sites (issue 12, docs/security.md). A flow and a page are hostile
-- input; a tenant's secret is typed only on that tenant's site; nothing one tenant does can stall
-- another. This migration:
--
--   1. refuses stored navigate steps to anything but http(s) (file:, data:, javascript: …)
--   2. lets only owners and admins add a step that types a secret, or change a flow that does
--      (members may still rename, relabel and flag it); save_flow keeps unchanged steps in place
--   3. checks every report complete_job receives, so no value a page wrote can make a cast in
--      finalise_run fail; only the current lease owner's report is taken
--   4. takes every job change through the same lock order (run, then job), finalises a run whose
--      last two jobs end at once, sweeps runs left with no open job, and marks a run whose
--      finalisation fails as failed with the reason instead of raising into the caller (the
--      claim path finalises expired jobs, so a raise there would stall claiming for everyone)

-- 1. Only the web ---------------------------------------------------------------------------------
-- NOT VALID: rows written before this migration are not scanned here; the worker parses every
-- claimed flow with core's schema and refuses such a row at run time with the same rule.

alter table public.flow_steps add constraint flow_steps_navigate_web_only check (
  action <> 'navigate'
  or (coalesce(data ->> 'url', '') ~* '^https?://[^/\s?#]+' and char_length(data ->> 'url') <= 4096)
) not valid;

-- 2. Secrets are an admin's decision --------------------------------------------------------------
-- A step that types `{{secret:NAME}}` decides where a stored credential goes. A member who could
-- add one, or change the steps around one, could send an admin's password to any field of the
-- site (a public comment box, a search that lands in analytics). So: owners and admins only.

create or replace function private.step_types_secret(step_action text, step_data jsonb) returns boolean
language sql immutable
set search_path = ''
as $$
  select step_action = 'input' and coalesce(step_data ->> 'value', '') ~ '\{\{secret:[A-Z0-9_]+\}\}'
$$;

create or replace function private.flow_types_secret(target_flow uuid) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select exists (select 1 from public.flow_steps s where s.flow_id = target_flow and private.step_types_secret(s.action, s.data))
$$;
revoke all on function private.flow_types_secret(uuid) from public, anon, authenticated;

create or replace function private.guard_secret_steps() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  target_flow uuid := coalesce(new.flow_id, old.flow_id);
  org uuid;
begin
  -- The service role, migrations and seeds act without a user: they are trusted here.
  if caller is null then
    return coalesce(new, old);
  end if;
  select f.organization_id into org from public.flows f where f.id = target_flow;
  if org is null then
    return coalesce(new, old); -- the flow itself is being deleted (cascade)
  end if;
  if org = any (private.admin_org_ids()) then
    return coalesce(new, old);
  end if;
  -- Relabelling a step (label, instruction, screenshot) changes nothing the crawler does.
  if tg_op = 'UPDATE' and new.action = old.action and new.data = old.data and new.position = old.position then
    return new;
  end if;
  if (tg_op <> 'DELETE' and private.step_types_secret(new.action, new.data))
     or (tg_op <> 'INSERT' and private.step_types_secret(old.action, old.data))
     or private.flow_types_secret(target_flow) then
    raise exception 'Only owners and admins can add a step that types a secret, or change the steps of a flow that types one.'
      using errcode = '42501', hint = 'Ask an owner or admin of the organisation to make this change; you can still rename the flow and edit its step labels.';
  end if;
  return coalesce(new, old);
end;
$$;
-- Named to run after flow_steps_site (triggers fire in name order), which fills in the site.
create trigger flow_steps_zz_secret_guard before insert or update or delete on public.flow_steps
  for each row execute function private.guard_secret_steps();

create or replace function private.guard_secret_flow_urls() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if (select auth.uid()) is null or old.organization_id = any (private.admin_org_ids()) then
    return new;
  end if;
  if (new.start_url is distinct from old.start_url or new.site_id is distinct from old.site_id)
     and private.flow_types_secret(old.id) then
    raise exception 'Only owners and admins can change the start URL or the site of a flow that types a secret.'
      using errcode = '42501', hint = 'Ask an owner or admin of the organisation to make this change.';
  end if;
  return new;
end;
$$;
create trigger flows_zz_secret_guard before update on public.flows
  for each row execute function private.guard_secret_flow_urls();

-- save_flow, rewritten to keep a step's row when only its label changed: a member relabelling a
-- flow that types a secret is allowed (the guard above sees an unchanged step), and the crawler's
-- selector proposals, which point at step rows, survive a save that does not touch their step.
create or replace function public.save_flow(payload jsonb) returns public.flows
language plpgsql security invoker
set search_path = ''
as $$
declare
  f public.flows;
  step jsonb;
  pos integer := 0;
  existing public.flow_steps;
begin
  if jsonb_typeof(payload -> 'steps') is distinct from 'array' then
    raise exception 'save_flow needs payload.steps as an array.' using errcode = '22023';
  end if;
  if payload ? 'id' and payload ->> 'id' is not null then
    update public.flows
       set name = payload ->> 'name',
           start_url = payload ->> 'start_url',
           critical = coalesce((payload ->> 'critical')::boolean, false),
           schema_version = coalesce((payload ->> 'schema_version')::integer, schema_version),
           version = version + 1
     where id = (payload ->> 'id')::uuid
    returning * into f;
    if f.id is null then
      raise exception 'Flow % does not exist or you cannot edit it.', payload ->> 'id' using errcode = 'P0002';
    end if;
  else
    insert into public.flows (site_id, name, start_url, critical, schema_version, source)
    values (
      (payload ->> 'site_id')::uuid,
      payload ->> 'name',
      payload ->> 'start_url',
      coalesce((payload ->> 'critical')::boolean, false),
      coalesce((payload ->> 'schema_version')::integer, 1),
      coalesce(payload ->> 'source', 'extension')
    )
    returning * into f;
  end if;
  for step in select * from jsonb_array_elements(payload -> 'steps') loop
    select * into existing from public.flow_steps s where s.flow_id = f.id and s.position = pos;
    if existing.id is not null and existing.action = step ->> 'action' and existing.data = coalesce(step -> 'data', '{}') then
      -- The same step: only what a person reads may have changed.
      update public.flow_steps
         set label = coalesce(step ->> 'label', ''),
             label_source = coalesce(step ->> 'label_source', 'template'),
             label_confidence = (step ->> 'label_confidence')::real,
             instruction = step ->> 'instruction',
             screenshot_path = step ->> 'screenshot_path'
       where id = existing.id
         and (label, label_source, label_confidence, instruction, screenshot_path)
             is distinct from (coalesce(step ->> 'label', ''), coalesce(step ->> 'label_source', 'template'),
                               (step ->> 'label_confidence')::real, step ->> 'instruction', step ->> 'screenshot_path');
    else
      if existing.id is not null then
        delete from public.flow_steps where id = existing.id;
      end if;
      insert into public.flow_steps (flow_id, position, action, data, label, label_source, label_confidence, instruction, screenshot_path)
      values (
        f.id, pos,
        step ->> 'action',
        coalesce(step -> 'data', '{}'),
        coalesce(step ->> 'label', ''),
        coalesce(step ->> 'label_source', 'template'),
        (step ->> 'label_confidence')::real,
        step ->> 'instruction',
        step ->> 'screenshot_path'
      );
    end if;
    pos := pos + 1;
  end loop;
  delete from public.flow_steps where flow_id = f.id and position >= pos;
  return f;
end;
$$;
revoke all on function public.save_flow(jsonb) from public, anon;
grant execute on function public.save_flow(jsonb) to authenticated, service_role;

-- 3. Reports are checked before they are stored ---------------------------------------------------
-- The worker validates each report with core's zod schema (core/src/report.ts) before sending it;
-- this is the database's own check of everything finalise_run casts, so a buggy or hostile
-- caller gets a clear refusal instead of a finalisation that raises on every attempt.

create or replace function private.json_number_in(v jsonb, lo numeric, hi numeric, whole boolean default false) returns boolean
language sql immutable
set search_path = ''
as $$
  select jsonb_typeof(v) = 'number' and v::numeric between lo and hi and (not whole or v::numeric = trunc(v::numeric))
$$;

create or replace function private.json_text_upto(v jsonb, max_chars integer) returns boolean
language sql immutable
set search_path = ''
as $$
  select v is null or jsonb_typeof(v) = 'null' or (jsonb_typeof(v) = 'string' and char_length(v #>> '{}') <= max_chars)
$$;

create or replace function private.try_timestamptz(value text) returns timestamptz
language plpgsql immutable
set search_path = ''
as $$
begin
  return value::timestamptz;
exception when others then
  return null;
end;
$$;

create or replace function private.json_array_or_absent(v jsonb) returns boolean
language sql immutable
set search_path = ''
as $$
  select v is null or jsonb_typeof(v) in ('array', 'null')
$$;

-- Every problem (at most 20) of a report, each with its path; empty when finalise_run can read it.
create or replace function private.report_problems(report jsonb) returns text[]
language plpgsql stable
set search_path = ''
as $$
declare
  problems text[] := '{}';
  item jsonb;
  inner_item jsonb;
  i integer;
  k integer;
  metric text;
  viewports constant text[] := array['desktop', 'tablet', 'mobile'];
begin
  if jsonb_typeof(report) is distinct from 'object' or jsonb_typeof(report -> 'bugs') is distinct from 'array' then
    return array['complete_job needs a report object with a bugs array.'];
  end if;
  if octet_length(report::text) > 8 * 1024 * 1024 then
    return array[format('the report is %s bytes; at most 8 MB is taken', octet_length(report::text))];
  end if;
  foreach metric in array array['runs', 'pages', 'coverage'] loop
    if not private.json_array_or_absent(report -> metric) then
      problems := problems || format('%s must be an array', metric);
    end if;
  end loop;
  foreach metric in array array['startedAt', 'finishedAt'] loop
    if report ? metric and private.try_timestamptz(report ->> metric) is null then
      problems := problems || format('%s is not a date-time', metric);
    end if;
  end loop;
  if cardinality(problems) > 0 then
    return problems;
  end if;

  i := 0;
  for item in select * from jsonb_array_elements(report -> 'bugs') loop
    if jsonb_typeof(item) <> 'object' then
      problems := problems || format('bugs[%s] must be an object', i);
    else
      if not private.json_text_upto(item -> 'fingerprint', 200) or coalesce(item ->> 'fingerprint', '') = '' then
        problems := problems || format('bugs[%s].fingerprint must be a string of 1 to 200 characters', i);
      end if;
      if not coalesce((item ->> 'type') = any (enum_range(null::public.bug_type)::text[]), false) then
        problems := problems || format('bugs[%s].type must be a bug type', i);
      end if;
      if not coalesce((item ->> 'severity') = any (enum_range(null::public.bug_severity)::text[]), false) then
        problems := problems || format('bugs[%s].severity must be one of P0, P1, P2, P3', i);
      end if;
      if item ? 'viewport' and not coalesce((item ->> 'viewport') = any (viewports), false) then
        problems := problems || format('bugs[%s].viewport must be desktop, tablet or mobile', i);
      end if;
      if item ? 'stepIndex' and jsonb_typeof(item -> 'stepIndex') <> 'null' and not private.json_number_in(item -> 'stepIndex', 0, 100000, true) then
        problems := problems || format('bugs[%s].stepIndex must be a whole number from 0 to 100000', i);
      end if;
      if not (private.json_text_upto(item -> 'pageUrl', 2048) and private.json_text_upto(item -> 'urlTemplate', 1024)
              and private.json_text_upto(item -> 'selector', 1000) and private.json_text_upto(item -> 'fingerprintVersion', 40)) then
        problems := problems || format('bugs[%s]: pageUrl, urlTemplate, selector or fingerprintVersion is not a string of sane length', i);
      end if;
      if item ? 'evidence' and (jsonb_typeof(item -> 'evidence') <> 'object' or octet_length((item -> 'evidence')::text) > 65536) then
        problems := problems || format('bugs[%s].evidence must be an object of at most 64 KB', i);
      end if;
    end if;
    i := i + 1;
    exit when cardinality(problems) >= 20;
  end loop;

  i := 0;
  for item in select * from jsonb_array_elements(coalesce(report -> 'pages', '[]')) loop
    if jsonb_typeof(item) <> 'object' or not private.json_text_upto(item -> 'urlTemplate', 1024)
       or not private.json_text_upto(item -> 'url', 2048) or not private.json_text_upto(item -> 'title', 500)
       or (item ? 'viewport' and not coalesce((item ->> 'viewport') = any (viewports), false))
       or not private.json_array_or_absent(item -> 'links')
       or (item ? 'fingerprint' and jsonb_typeof(item -> 'fingerprint') not in ('object', 'null')) then
      problems := problems || format('pages[%s] must be an object with url, urlTemplate and title strings, a viewport, links and a fingerprint', i);
    elsif jsonb_typeof(item -> 'metrics') = 'object' then
      foreach metric in array array['ttfbMs', 'fcpMs', 'lcpMs', 'cls', 'loadMs'] loop
        if jsonb_typeof(item -> 'metrics' -> metric) not in ('null')
           and not private.json_number_in(item -> 'metrics' -> metric, 0, case when metric = 'cls' then 1000 else 3600000 end) then
          problems := problems || format('pages[%s].metrics.%s must be null or a number from 0 to %s', i, metric, case when metric = 'cls' then 1000 else 3600000 end);
        end if;
      end loop;
    end if;
    i := i + 1;
    exit when cardinality(problems) >= 20;
  end loop;

  i := 0;
  for item in select * from jsonb_array_elements(coalesce(report -> 'runs', '[]')) loop
    if jsonb_typeof(item) <> 'object' or not private.json_array_or_absent(item -> 'steps')
       or (item ? 'flaky' and jsonb_typeof(item -> 'flaky') not in ('boolean', 'null')) then
      problems := problems || format('runs[%s] must be an object with a steps array and a boolean flaky', i);
    else
      k := 0;
      for inner_item in select * from jsonb_array_elements(coalesce(item -> 'steps', '[]')) loop
        if jsonb_typeof(inner_item) <> 'object' or not private.json_number_in(inner_item -> 'index', 0, 100000, true)
           or not private.json_text_upto(inner_item -> 'status', 20)
           or (inner_item #> '{healing,confidence}' is not null and not private.json_number_in(inner_item #> '{healing,confidence}', 0, 1)) then
          problems := problems || format('runs[%s].steps[%s] must have a whole index, a status and a healing confidence from 0 to 1', i, k);
        end if;
        k := k + 1;
        exit when cardinality(problems) >= 20;
      end loop;
    end if;
    i := i + 1;
    exit when cardinality(problems) >= 20;
  end loop;

  for item in select * from jsonb_array_elements(coalesce(report -> 'coverage', '[]')) loop
    if jsonb_typeof(item) <> 'object' or not private.json_text_upto(item -> 'urlTemplate', 1024)
       or (item ? 'viewport' and not coalesce((item ->> 'viewport') = any (viewports), false)) then
      problems := problems || 'coverage entries must have a urlTemplate string and a viewport'::text;
      exit;
    end if;
  end loop;
  return problems[1:20];
end;
$$;
revoke all on function private.report_problems(jsonb) from public, anon, authenticated;
grant execute on function private.report_problems(jsonb) to service_role;

-- 4. No tenant can stall another ------------------------------------------------------------------
-- Lock order for every path that changes a job: its run row first, then the job row. With it, a
-- complete_job and a fail_job ending a run's last two jobs at once are serialised on the run, and
-- the second of them sees the first one's job as ended and finalises the run.

create or replace function private.lock_run_of_job(target_job uuid) returns uuid
language plpgsql
set search_path = ''
as $$
declare
  rid uuid;
begin
  select run_id into rid from public.crawl_jobs where id = target_job;
  if rid is null then
    raise exception 'Job % does not exist.', target_job using errcode = 'P0002';
  end if;
  perform 1 from public.crawl_runs where id = rid for update;
  return rid;
end;
$$;
revoke all on function private.lock_run_of_job(uuid) from public, anon, authenticated;
grant execute on function private.lock_run_of_job(uuid) to service_role;

-- Finalises a run once no job of it is open. A finalisation that fails (a bug, a constraint, a
-- value nobody foresaw) marks the run failed with the reason, for the dashboard's history, and
-- returns null: it never raises into complete_job, fail_job or claim_jobs.
create or replace function public.finalise_run_if_done(target_run uuid) returns jsonb
language plpgsql security invoker
set search_path = ''
as $$
declare
  v_summary jsonb;
  reason text;
begin
  perform 1 from public.crawl_runs where id = target_run and finished_at is null for update;
  if not found then
    return null;
  end if;
  if exists (select 1 from public.crawl_jobs where run_id = target_run and status in ('queued', 'running')) then
    return null;
  end if;
  begin
    v_summary := public.finalise_run(target_run);
  exception when others then
    get stacked diagnostics reason = message_text;
    update public.crawl_runs
       set status = 'failed', finished_at = now(),
           error = left('FlowLens could not finalise this crawl: ' || reason || '. Its findings were not recorded; the next crawl runs as usual.', 1000)
     where id = target_run;
    raise warning 'finalise_run(%) failed: %', target_run, reason;
    return null;
  end;
  return v_summary;
end;
$$;

-- Runs left with no open job (their last job ended in a transaction that could not finalise them,
-- or jobs were cancelled) are finalised here; claim_jobs calls it, so a worker polling the queue
-- keeps the fleet's runs moving. Returns how many runs it finalised.
create or replace function public.sweep_runs(max_runs integer default 5, only_sites uuid[] default null) returns integer
language plpgsql security invoker
set search_path = ''
as $$
declare
  r record;
  n integer := 0;
begin
  for r in
    select cr.id from public.crawl_runs cr
     where cr.finished_at is null and cr.status in ('queued', 'running')
       and (only_sites is null or cr.site_id = any (only_sites))
       and not exists (select 1 from public.crawl_jobs j where j.run_id = cr.id and j.status in ('queued', 'running'))
     order by cr.created_at
     limit greatest(max_runs, 0)
     for update skip locked
  loop
    perform public.finalise_run_if_done(r.id);
    n := n + 1;
  end loop;
  return n;
end;
$$;
create index crawl_runs_open_idx on public.crawl_runs (created_at) where finished_at is null;

create or replace function public.claim_jobs(worker text, max_jobs integer default 1, lease_seconds integer default 120, only_sites uuid[] default null)
returns setof jsonb
language plpgsql security invoker
set search_path = ''
as $$
declare
  job public.crawl_jobs;
  exhausted record;
begin
  if coalesce(btrim(worker), '') = '' then
    raise exception 'claim_jobs needs a worker id.' using errcode = '22023';
  end if;
  -- Jobs whose lease expired after their last allowed attempt fail for good (run lock first).
  for exhausted in
    select j.id, j.run_id from public.crawl_jobs j
     where j.status = 'running' and j.lease_expires_at < now() and j.attempts >= j.max_attempts
       and (only_sites is null or j.site_id = any (only_sites))
     limit 50
  loop
    perform 1 from public.crawl_runs where id = exhausted.run_id for update;
    update public.crawl_jobs
       set status = 'failed', finished_at = now(), lease_owner = null, lease_expires_at = null,
           last_error = coalesce(last_error, '') || format('lease held by %s expired after attempt %s of %s; ', lease_owner, attempts, max_attempts)
     where id = exhausted.id and status = 'running' and lease_expires_at < now() and attempts >= max_attempts;
    if found then
      perform public.finalise_run_if_done(exhausted.run_id);
    end if;
  end loop;
  perform public.sweep_runs(3, only_sites);

  for job in
    update public.crawl_jobs j
       set status = 'running',
           lease_owner = worker,
           lease_expires_at = now() + make_interval(secs => lease_seconds),
           heartbeat_at = now(),
           attempts = j.attempts + 1,
           started_at = coalesce(j.started_at, now())
     where j.id in (
       select c.id from public.crawl_jobs c
        where ((c.status = 'queued' and c.available_at <= now())
           or (c.status = 'running' and c.lease_expires_at < now() and c.attempts < c.max_attempts))
          and (only_sites is null or c.site_id = any (only_sites))
        order by c.available_at, c.created_at
        limit greatest(max_jobs, 0)
        for update skip locked
     )
    returning j.*
  loop
    -- Job rows are locked here, so the run is only marked running when nobody holds it (a
    -- finalisation or a completion holding the run would otherwise wait on us and we on it).
    update public.crawl_runs set status = 'running', started_at = coalesce(started_at, now())
     where id = (select cr.id from public.crawl_runs cr where cr.id = job.run_id and cr.status = 'queued' for update skip locked);
    return next private.job_payload(job);
  end loop;
end;
$$;

create or replace function public.release_job(job_id uuid, worker text) returns boolean
language plpgsql security invoker
set search_path = ''
as $$
begin
  perform private.lock_run_of_job(job_id);
  update public.crawl_jobs
     set status = 'queued', lease_owner = null, lease_expires_at = null, available_at = now(),
         attempts = greatest(attempts - 1, 0)
   where id = job_id and lease_owner = worker and status = 'running';
  return found;
end;
$$;

create or replace function public.fail_job(job_id uuid, worker text, error text, retryable boolean default true) returns text
language plpgsql security invoker
set search_path = ''
as $$
declare
  j public.crawl_jobs;
begin
  perform private.lock_run_of_job(job_id);
  select * into j from public.crawl_jobs where id = job_id for update;
  if j.status <> 'running' or j.lease_owner is distinct from worker then
    return j.status::text; -- somebody else owns it now, or it already ended
  end if;
  if retryable and j.attempts < j.max_attempts then
    -- Exponential backoff: 30 s, 60 s, 120 s …
    update public.crawl_jobs
       set status = 'queued', lease_owner = null, lease_expires_at = null, last_error = left(error, 2000),
           available_at = now() + make_interval(secs => 30 * power(2, j.attempts - 1))
     where id = job_id;
    return 'queued';
  end if;
  update public.crawl_jobs
     set status = 'failed', lease_owner = null, lease_expires_at = null, finished_at = now(), last_error = left(error, 2000)
   where id = job_id;
  perform public.finalise_run_if_done(j.run_id);
  return 'failed';
end;
$$;

create or replace function public.complete_job(job_id uuid, worker text, report jsonb) returns jsonb
language plpgsql security invoker
set search_path = ''
as $$
declare
  j public.crawl_jobs;
  problems text[];
  v_summary jsonb;
begin
  problems := private.report_problems(report);
  if cardinality(problems) > 0 then
    raise exception 'The report was refused: %', array_to_string(problems, '; ')
      using errcode = '22023', hint = 'Validate reports with core''s report schema (parseReport) before submitting them.';
  end if;
  perform private.lock_run_of_job(job_id);
  select * into j from public.crawl_jobs where id = job_id for update;
  if j.status in ('done', 'failed', 'cancelled') then
    -- Idempotent: a repeated or late submission changes nothing.
    return jsonb_build_object('status', 'ignored', 'jobStatus', j.status);
  end if;
  if j.status <> 'running' or j.lease_owner is distinct from worker then
    -- Only the worker holding the lease may hand in the result: a worker whose lease expired (and
    -- whose job another worker now runs, or that went back to the queue) is too late.
    return jsonb_build_object('status', 'ignored', 'jobStatus', j.status, 'reason', 'not the lease owner');
  end if;
  update public.crawl_jobs
     set status = 'done', result = report, finished_at = now(), lease_owner = null, lease_expires_at = null
   where id = job_id;
  v_summary := public.finalise_run_if_done(j.run_id);
  return jsonb_build_object('status', 'done', 'finalised', v_summary is not null, 'summary', v_summary);
end;
$$;

revoke all on function public.claim_jobs(text, integer, integer, uuid[]), public.release_job(uuid, text),
  public.fail_job(uuid, text, text, boolean), public.complete_job(uuid, text, jsonb), public.finalise_run_if_done(uuid),
  public.sweep_runs(integer, uuid[])
  from public, anon, authenticated;
grant execute on function public.claim_jobs(text, integer, integer, uuid[]), public.release_job(uuid, text),
  public.fail_job(uuid, text, text, boolean), public.complete_job(uuid, text, jsonb), public.finalise_run_if_done(uuid),
  public.sweep_runs(integer, uuid[])
  to service_role;
