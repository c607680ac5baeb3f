-- The crawl queue: enqueueing runs, and the functions crawler workers call through PostgREST with
-- the service role (they need every organisation's jobs; no client role may call them).
--
--   enqueue_run      one run and its jobs (flow × viewport, plus page discovery per viewport)
--   request_crawl    "Run now" for members, rate-limited per site
--   claim_jobs       FOR UPDATE SKIP LOCKED with a lease; expired leases are taken over
--   heartbeat_job    extends a lease the worker still holds
--   release_job      a worker shutting down gives its job back (the attempt does not count)
--   fail_job         an attempt failed: retry with backoff, or fail for good after max_attempts
--   complete_job     stores the job's report; the last job of a run finalises it (finalise_run)

-- Enqueueing -------------------------------------------------------------------------------------

create or replace function private.enqueue_run(
  target_site uuid,
  run_trigger public.crawl_trigger,
  run_slot timestamptz default null,
  deploy uuid default null,
  requester uuid default null
) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  s public.sites;
  run_id uuid;
begin
  select * into s from public.sites where id = target_site;
  if s.id is null then
    raise exception 'Site % does not exist.', target_site using errcode = 'P0002';
  end if;
  insert into public.crawl_runs (site_id, trigger, slot, deploy_event_id, requested_by, viewports)
  values (s.id, run_trigger, run_slot, deploy, requester, s.viewports)
  on conflict (site_id, slot) where trigger = 'schedule' do nothing
  returning id into run_id;
  if run_id is null then
    return null; -- this schedule slot already has its run
  end if;
  insert into public.crawl_jobs (run_id, site_id, flow_id, flow_version, viewport)
  select run_id, s.id, f.id, f.version, v
    from unnest(s.viewports) as v
    cross join lateral (
      select null::uuid as id, null::integer as version
      union all
      select fl.id, fl.version from public.flows fl where fl.site_id = s.id
    ) f;
  return run_id;
end;
$$;
revoke all on function private.enqueue_run(uuid, public.crawl_trigger, timestamptz, uuid, uuid) from public, anon, authenticated;

create or replace function public.request_crawl(target_site uuid) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  recent timestamptz;
begin
  if not (target_site = any (private.member_site_ids())) then
    raise exception 'Site % does not exist or is not yours.', target_site using errcode = '42501';
  end if;
  -- One manual run at a time per site, and not more than one every two minutes.
  perform 1 from public.sites where id = target_site for update;
  select max(created_at) into recent from public.crawl_runs
   where site_id = target_site and trigger = 'manual'
     and (status in ('queued', 'running') or created_at > now() - interval '2 minutes');
  if recent is not null then
    raise exception 'A crawl of this site was requested at %; wait for it to finish (or two minutes) before asking again.',
      to_char(recent at time zone 'UTC', 'HH24:MI:SS "UTC"') using errcode = 'P0001', hint = 'rate_limited';
  end if;
  return private.enqueue_run(target_site, 'manual', null, null, (select auth.uid()));
end;
$$;
revoke all on function public.request_crawl(uuid) from public, anon;
grant execute on function public.request_crawl(uuid) to authenticated, service_role;

-- Claiming ---------------------------------------------------------------------------------------

-- only_sites pins a worker to some sites (a dedicated fleet for one customer or region, and tests);
-- null claims from every site.
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
  -- Jobs whose lease expired after their last allowed attempt fail for good.
  for exhausted in
    update public.crawl_jobs
       set status = 'failed', finished_at = now(), lease_owner = null, lease_expires_at = null,
           last_error = coalesce(last_error, '') || format('lease held by %s expired after attempt %s of %s; ', lease_owner, attempts, max_attempts)
     where status = 'running' and lease_expires_at < now() and attempts >= max_attempts
       and (only_sites is null or site_id = any (only_sites))
    returning run_id
  loop
    perform public.finalise_run_if_done(exhausted.run_id);
  end loop;

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
           or (c.status = 'running' and c.lease_expires_at < now()))
          and (only_sites is null or c.site_id = any (only_sites))
        order by c.available_at, c.created_at
        limit greatest(max_jobs, 0)
        for update skip locked
     )
    returning j.*
  loop
    update public.crawl_runs set status = 'running', started_at = coalesce(started_at, now())
     where id = job.run_id and status = 'queued';
    return next private.job_payload(job);
  end loop;
end;
$$;

-- Everything a worker needs to run one job, so it never reads tables itself.
create or replace function private.job_payload(job public.crawl_jobs) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_build_object(
    'job', jsonb_build_object(
      'id', job.id, 'runId', job.run_id, 'siteId', job.site_id, 'flowId', job.flow_id, 'flowVersion', job.flow_version,
      'viewport', job.viewport, 'attempts', job.attempts, 'maxAttempts', job.max_attempts, 'leaseExpiresAt', job.lease_expires_at),
    'run', (select jsonb_build_object('id', r.id, 'trigger', r.trigger, 'deployEventId', r.deploy_event_id)
              from public.crawl_runs r where r.id = job.run_id),
    'site', (select jsonb_build_object('id', s.id, 'name', s.name, 'baseUrl', s.base_url, 'allowedOrigins', s.allowed_origins,
                                        'isLocal', s.is_local, 'discoverPages', s.discover_pages, 'timezone', s.timezone)
               from public.sites s where s.id = job.site_id),
    -- The flow as database rows (core/src/flow-rows.ts flowFromRows reads exactly these keys).
    'flow', (select jsonb_build_object(
                      'id', f.id, 'site_id', f.site_id, 'name', f.name, 'start_url', f.start_url, 'critical', f.critical,
                      'version', f.version, 'schema_version', f.schema_version,
                      'steps', coalesce((select jsonb_agg(jsonb_build_object(
                                   'id', st.id, 'position', st.position, 'action', st.action, 'data', st.data, 'label', st.label,
                                   'label_source', st.label_source, 'label_confidence', st.label_confidence,
                                   'instruction', st.instruction, 'screenshot_path', st.screenshot_path)
                                   order by st.position)
                                  from public.flow_steps st where st.flow_id = f.id), '[]'::jsonb))
               from public.flows f where f.id = job.flow_id),
    'credentials', coalesce((select jsonb_agg(jsonb_build_object('name', c.name, 'ciphertext', c.ciphertext))
                               from public.site_credentials c where c.site_id = job.site_id), '[]'::jsonb),
    'baselines', coalesce((select jsonb_agg(jsonb_build_object('urlTemplate', p.url_template, 'viewport', b.viewport, 'metric', b.metric,
                                                                 'mean', b.mean, 'stddev', b.stddev, 'samples', b.samples))
                             from public.page_baselines b join public.pages p on p.id = b.page_id
                            where b.site_id = job.site_id and b.viewport = job.viewport), '[]'::jsonb),
    'pages', coalesce((select jsonb_agg(jsonb_build_object('urlTemplate', p.url_template, 'fingerprint', p.fingerprint))
                         from public.pages p where p.site_id = job.site_id and p.fingerprint is not null), '[]'::jsonb)
  )
$$;

create or replace function public.heartbeat_job(job_id uuid, worker text, lease_seconds integer default 120) returns boolean
language sql security invoker
set search_path = ''
as $$
  with renewed as (
    update public.crawl_jobs
       set lease_expires_at = now() + make_interval(secs => lease_seconds), heartbeat_at = now()
     where id = job_id and lease_owner = worker and status = 'running'
    returning 1
  )
  select exists (select 1 from renewed)
$$;

create or replace function public.release_job(job_id uuid, worker text) returns boolean
language sql security invoker
set search_path = ''
as $$
  with released as (
    update public.crawl_jobs
       set status = 'queued', lease_owner = null, lease_expires_at = null, available_at = now(),
           attempts = greatest(attempts - 1, 0)
     where id = job_id and lease_owner = worker and status = 'running'
    returning 1
  )
  select exists (select 1 from released)
$$;

create or replace function public.fail_job(job_id uuid, worker text, error text, retryable boolean default true) returns text
language plpgsql security invoker
set search_path = ''
as $$
declare
  j public.crawl_jobs;
begin
  select * into j from public.crawl_jobs where id = job_id for update;
  if j.id is null then
    raise exception 'Job % does not exist.', job_id using errcode = 'P0002';
  end if;
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
  v_summary jsonb;
begin
  if jsonb_typeof(report) is distinct from 'object' or jsonb_typeof(report -> 'bugs') is distinct from 'array' then
    raise exception 'complete_job needs a report object with a bugs array.' using errcode = '22023';
  end if;
  select * into j from public.crawl_jobs where id = job_id;
  if j.id is null then
    raise exception 'Job % does not exist.', job_id using errcode = 'P0002';
  end if;
  -- Completions of one run are serialised on the run row, so exactly one of them sees the run done.
  perform 1 from public.crawl_runs where id = j.run_id for update;
  select * into j from public.crawl_jobs where id = job_id for update;
  if j.status in ('done', 'failed', 'cancelled') then
    -- Idempotent: a repeated or late submission changes nothing.
    return jsonb_build_object('status', 'ignored', 'jobStatus', j.status);
  end if;
  update public.crawl_jobs
     set status = 'done', result = report, finished_at = now(), lease_owner = null, lease_expires_at = null
   where id = job_id;
  v_summary := public.finalise_run_if_done(j.run_id);
  return jsonb_build_object('status', 'done', 'finalised', v_summary is not null, 'summary', v_summary);
end;
$$;

create or replace function public.finalise_run_if_done(target_run uuid) returns jsonb
language plpgsql security invoker
set search_path = ''
as $$
begin
  if exists (select 1 from public.crawl_jobs where run_id = target_run and status in ('queued', 'running')) then
    return null;
  end if;
  return public.finalise_run(target_run);
end;
$$;

revoke all on function public.claim_jobs(text, integer, integer, uuid[]), public.heartbeat_job(uuid, text, integer),
  public.release_job(uuid, text), public.fail_job(uuid, text, text, boolean), public.complete_job(uuid, text, jsonb),
  public.finalise_run_if_done(uuid)
  from public, anon, authenticated;
grant execute on function public.claim_jobs(text, integer, integer, uuid[]), public.heartbeat_job(uuid, text, integer),
  public.release_job(uuid, text), public.fail_job(uuid, text, text, boolean), public.complete_job(uuid, text, jsonb),
  public.finalise_run_if_done(uuid)
  to service_role;
revoke all on function private.job_payload(public.crawl_jobs) from public, anon, authenticated;
grant execute on function private.job_payload(public.crawl_jobs) to service_role;
