-- Run limits and shared rate counters (issue 14, docs/limits.md).
--
--   private.rate_counters   windowed counts shared by every function and worker instance
--   private.take_rate       counts one request against a limit; says whether it is allowed and,
--                           when not, in how many seconds the next window opens
--   private.refuse          raises a refusal PostgREST answers as 429 with Retry-After
--   request_crawl           "Run now": merges into a manual run still queued; refuses (429) while
--                           one runs or within two minutes of the last, and above the hourly limit
--   private.accept_deploy   the deploy webhook's SQL: crawling disabled -> refused; a deploy run
--                           still queued -> the delivery merges into it; the hourly limit -> 429

insert into private.limits (name, max_count, window_seconds, description) values
  ('manual_runs_per_site', 6, 3600, '"Run now" crawls of one site per hour'),
  ('deploy_runs_per_site', 12, 3600, 'deploy-triggered crawls of one site per hour (deliveries merged into a queued run do not count)'),
  ('deploy_deliveries_per_site', 120, 3600, 'deploy webhook deliveries accepted for one site per hour, merged ones included');

-- Shared counters ------------------------------------------------------------------------------------

create table private.rate_counters (
  name text not null,
  subject text not null constraint rate_counters_subject_length check (char_length(subject) <= 200),
  window_start timestamptz not null,
  count integer not null default 0,
  primary key (name, subject, window_start)
);
revoke all on table private.rate_counters from public, anon, authenticated;
grant select, insert, update, delete on table private.rate_counters to service_role;

-- Fixed windows aligned on the epoch (a 60 s window opens at every full minute). Refused attempts
-- count too: a client hammering a limit does not get through sooner by hammering.
create or replace function private.take_rate(p_limit text, p_subject text, p_org uuid default null, p_cost integer default 1)
returns table (allowed boolean, retry_after integer, max_count integer, window_seconds integer)
language plpgsql security definer
set search_path = ''
as $$
declare
  lim record;
  start timestamptz;
  n integer;
begin
  select l.max_count, l.window_seconds into lim from private.limit_of(p_limit, p_org) l;
  if lim.max_count is null or lim.window_seconds is null then
    raise exception 'No rate limit named %.', p_limit using errcode = '22023';
  end if;
  start := to_timestamp(floor(extract(epoch from now()) / lim.window_seconds) * lim.window_seconds);
  insert into private.rate_counters as rc (name, subject, window_start, count)
  values (p_limit, left(p_subject, 200), start, p_cost)
  on conflict (name, subject, window_start) do update set count = rc.count + excluded.count
  returning rc.count into n;
  if random() < 0.01 then
    delete from private.rate_counters r where r.window_start < now() - interval '2 days';
  end if;
  allowed := n <= lim.max_count;
  retry_after := greatest(1, ceil(extract(epoch from (start + make_interval(secs => lim.window_seconds) - now())))::integer);
  max_count := lim.max_count;
  window_seconds := lim.window_seconds;
  return next;
end;
$$;
revoke all on function private.take_rate(text, text, uuid, integer) from public, anon, authenticated;
grant execute on function private.take_rate(text, text, uuid, integer) to service_role;

-- A refusal PostgREST turns into an HTTP answer: 429 with Retry-After (PostgREST's 'PGRST'
-- sqlstate), the sentence as the message and hint 'rate_limited' for clients to recognise. Called
-- from plain SQL it is an ordinary error carrying the same JSON.
create or replace function private.refuse(sentence text, retry_after integer, code text default 'rate_limited', http_status integer default 429)
returns void
language plpgsql
set search_path = ''
as $$
begin
  raise sqlstate 'PGRST' using
    message = json_build_object('code', code, 'message', sentence, 'details', format('Retry after %s seconds.', retry_after), 'hint', 'rate_limited')::text,
    detail = json_build_object('status', http_status, 'headers', json_build_object('Retry-After', retry_after::text))::text;
end;
$$;
revoke all on function private.refuse(text, integer, text, integer) from public, anon;

-- "Run now" --------------------------------------------------------------------------------------------

create or replace function public.request_crawl(target_site uuid) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  org uuid;
  queued uuid;
  recent timestamptz;
  still_running boolean;
  lim record;
  n integer;
  oldest timestamptz;
begin
  if not (target_site = any (private.member_site_ids())) then
    raise exception 'Site % does not exist or is not yours.', target_site using errcode = '42501';
  end if;
  -- One request at a time per site: the checks below and the insert see the same runs.
  select organization_id into org from public.sites where id = target_site for update;

  -- A manual run not yet started already crawls what this request would: answer with it.
  select id into queued from public.crawl_runs
   where site_id = target_site and trigger = 'manual' and status = 'queued' and started_at is null
   order by created_at desc limit 1;
  if queued is not null then
    return queued;
  end if;

  select max(created_at), bool_or(status = 'running') into recent, still_running from public.crawl_runs
   where site_id = target_site and trigger = 'manual'
     and (status = 'running' or created_at > now() - interval '2 minutes');
  if recent is not null then
    perform private.refuse(
      format('A crawl of this site was requested at %s; wait for it to finish (or two minutes) before asking again.',
             to_char(recent at time zone 'UTC', 'HH24:MI:SS "UTC"')),
      case when still_running then 60
           else greatest(1, ceil(extract(epoch from (recent + interval '2 minutes' - now())))::integer) end,
      'crawl_in_progress');
  end if;

  select l.max_count, l.window_seconds into lim from private.limit_of('manual_runs_per_site', org) l;
  select count(*)::integer, min(created_at) into n, oldest from public.crawl_runs
   where site_id = target_site and trigger = 'manual' and created_at > now() - make_interval(secs => lim.window_seconds);
  if n >= lim.max_count then
    perform private.refuse(
      format('This site has had %s crawls on request in the last hour, the most FlowLens runs; you can ask again at %s. The nightly crawl runs as usual.',
             n, to_char((oldest + make_interval(secs => lim.window_seconds)) at time zone 'UTC', 'HH24:MI "UTC"')),
      greatest(1, ceil(extract(epoch from (oldest + make_interval(secs => lim.window_seconds) - now())))::integer),
      'hourly_limit');
  end if;
  return private.enqueue_run(target_site, 'manual', null, null, (select auth.uid()));
end;
$$;
revoke all on function public.request_crawl(uuid) from public, anon;
grant execute on function public.request_crawl(uuid) to authenticated, service_role;

-- Deploy webhook ----------------------------------------------------------------------------------------

-- One verified delivery. Returns {status, deployEventId?, runId?, retryAfter?, message?}:
--   queued       stored, and a deploy-triggered crawl is queued
--   merged       stored; a deploy run of the site was still queued, so it crawls this deploy too
--                (its deploy becomes this one: new bugs are attributed to the latest deploy)
--   replay       this delivery was already received
--   disabled     crawling is turned off for the site: nothing stored
--   rate_limited too many deliveries or deploy runs this hour: nothing stored
create or replace function private.accept_deploy(
  target_site uuid,
  p_commit_sha text,
  p_branch text,
  p_environment text,
  p_delivery_id text,
  p_sent_at timestamptz,
  p_payload jsonb
) returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  s public.sites;
  rate record;
  lim record;
  queued uuid;
  new_deploy uuid;
  n integer;
  oldest timestamptz;
begin
  select * into s from public.sites where id = target_site for update;
  if s.id is null then
    raise exception 'Site % does not exist.', target_site using errcode = 'P0002';
  end if;
  if not s.crawl_enabled then
    return jsonb_build_object('status', 'disabled',
      'message', 'Crawling is turned off for this site, so the deploy was not recorded and no crawl was queued. Turn crawling on in the site''s settings to crawl after deploys.');
  end if;
  if exists (select 1 from public.deploy_events d where d.site_id = s.id and d.delivery_id = p_delivery_id) then
    return jsonb_build_object('status', 'replay', 'message', 'This delivery was already received (replay).');
  end if;
  select * into rate from private.take_rate('deploy_deliveries_per_site', s.id::text, s.organization_id);
  if not rate.allowed then
    return jsonb_build_object('status', 'rate_limited', 'retryAfter', rate.retry_after,
      'message', format('This site has received %s deploy notifications in the last hour, the most FlowLens accepts; send the next one in %s seconds.', rate.max_count, rate.retry_after));
  end if;

  select r.id into queued from public.crawl_runs r
   where r.site_id = s.id and r.trigger = 'deploy' and r.status = 'queued' and r.started_at is null
   order by r.created_at desc limit 1;
  if queued is null then
    select l.max_count, l.window_seconds into lim from private.limit_of('deploy_runs_per_site', s.organization_id) l;
    select count(*)::integer, min(created_at) into n, oldest from public.crawl_runs
     where site_id = s.id and trigger = 'deploy' and created_at > now() - make_interval(secs => lim.window_seconds);
    if n >= lim.max_count then
      return jsonb_build_object('status', 'rate_limited',
        'retryAfter', greatest(1, ceil(extract(epoch from (oldest + make_interval(secs => lim.window_seconds) - now())))::integer),
        'message', format('This site has had %s deploy crawls in the last hour, the most FlowLens runs; the deploy was not recorded. The next one can be queued at %s.',
                          n, to_char((oldest + make_interval(secs => lim.window_seconds)) at time zone 'UTC', 'HH24:MI "UTC"')));
    end if;
  end if;

  insert into public.deploy_events (site_id, commit_sha, branch, environment, delivery_id, sent_at, payload)
  values (s.id, p_commit_sha, p_branch, p_environment, p_delivery_id, p_sent_at, coalesce(p_payload, '{}'::jsonb))
  on conflict (site_id, delivery_id) do nothing
  returning id into new_deploy;
  if new_deploy is null then
    return jsonb_build_object('status', 'replay', 'message', 'This delivery was already received (replay).');
  end if;
  if queued is not null then
    update public.crawl_runs set deploy_event_id = new_deploy where id = queued;
    return jsonb_build_object('status', 'merged', 'deployEventId', new_deploy, 'runId', queued);
  end if;
  return jsonb_build_object('status', 'queued', 'deployEventId', new_deploy,
                            'runId', private.enqueue_run(s.id, 'deploy', null, new_deploy, null));
end;
$$;
revoke all on function private.accept_deploy(uuid, text, text, text, text, timestamptz, jsonb) from public, anon, authenticated;

-- The deploy webhook now calls accept_deploy; record_deploy (issue 5) goes through it too, so no
-- path stores a deploy or queues its crawl around the limits. Same answer as before: one row
-- (deploy_event_id, run_id) when the delivery was taken (queued or merged), none otherwise.
create or replace function private.record_deploy(
  target_site uuid,
  p_commit_sha text,
  p_branch text,
  p_environment text,
  p_delivery_id text,
  p_sent_at timestamptz,
  p_payload jsonb
) returns table (deploy_event_id uuid, run_id uuid)
language plpgsql security definer
set search_path = ''
as $$
declare
  outcome jsonb;
begin
  outcome := private.accept_deploy(target_site, p_commit_sha, p_branch, p_environment, p_delivery_id, p_sent_at, p_payload);
  if outcome ->> 'status' in ('queued', 'merged') then
    deploy_event_id := (outcome ->> 'deployEventId')::uuid;
    run_id := (outcome ->> 'runId')::uuid;
    return next;
  end if;
end;
$$;
revoke all on function private.record_deploy(uuid, text, text, text, text, timestamptz, jsonb) from public, anon, authenticated;
