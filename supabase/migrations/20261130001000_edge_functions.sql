-- FlowLens edge functions (issue 5): the SQL behind `schedule`, `deploy-webhook` and `notify`.
--
-- Everything here lives in the private schema: the functions call it through SUPABASE_DB_URL, and
-- no client role may execute it. The public schema is unchanged (the outbox already carries
-- attempts, next_attempt_at, last_error, a lock and the addresses delivered so far).
--
--   private.schedule_slot       the crawl slot of a site on one local date (timezone- and DST-aware)
--   private.schedule_due_runs   one run per site whose slot has passed (unique slot: never twice)
--   private.record_deploy       stores a signed deploy delivery and enqueues its crawl (replay -> null)
--   private.enqueue_digests     creates the daily (09:00 local) and weekly (Monday 09:00) outbox rows
--   private.claim_notifications FOR UPDATE SKIP LOCKED with a lease, for `notify`
--   private.invoke_edge_function  pg_net call used by pg_cron in production

-- Scheduling ---------------------------------------------------------------------------------------

-- The instant a site's crawl time falls on a local date. A local time skipped by a DST change
-- (02:30 on a spring-forward night) is read in the pre-change offset, so it lands just after the
-- gap; a repeated local time (01:30 on a fall-back night) is one instant, never two.
create or replace function private.schedule_slot(local_date date, crawl_time time, tz text) returns timestamptz
language sql immutable
set search_path = ''
as $$
  select (local_date + crawl_time) at time zone tz
$$;

-- Enqueues a run for every enabled site whose latest slot is in (p_at - lookback, at] and falls on one
-- of its crawl days. A slot missed for less than `lookback` (the scheduler was down, the laptop
-- asleep) is still crawled; older slots are skipped rather than crawled late. The unique slot index
-- on crawl_runs makes concurrent and repeated calls create each run once; only the caller that
-- created a run gets a row back.
create or replace function private.schedule_due_runs(p_at timestamptz default now(), lookback interval default '2 hours')
returns table (site_id uuid, slot timestamptz, run_id uuid)
language plpgsql security definer
set search_path = ''
as $$
#variable_conflict use_column
declare
  s record;
  new_run uuid;
begin
  for s in
    select distinct on (x.id) x.id, x.slot
      from (
        select si.id, private.schedule_slot(d.local_date, si.crawl_time, si.timezone) as slot, si.crawl_days, d.local_date
          from public.sites si
          cross join lateral (
            select ((p_at at time zone si.timezone)::date - k) as local_date from generate_series(0, 1) k
          ) d
         where si.crawl_enabled
      ) x
     where x.slot <= p_at and x.slot > p_at - lookback
       and extract(isodow from x.local_date)::smallint = any (x.crawl_days)
     order by x.id, x.slot desc
  loop
    new_run := private.enqueue_run(s.id, 'schedule', s.slot);
    if new_run is not null then
      site_id := s.id;
      slot := s.slot;
      run_id := new_run;
      return next;
    end if;
  end loop;
end;
$$;
revoke all on function private.schedule_due_runs(timestamptz, interval) from public, anon, authenticated;

-- Deploy webhooks ------------------------------------------------------------------------------------

-- Stores one verified delivery and enqueues its crawl in the same transaction. Returns null when
-- this delivery was already received (a replay): deploy_events is unique on (site_id, delivery_id).
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
  new_deploy uuid;
begin
  insert into public.deploy_events (site_id, commit_sha, branch, environment, delivery_id, sent_at, payload)
  values (target_site, p_commit_sha, p_branch, p_environment, p_delivery_id, p_sent_at, coalesce(p_payload, '{}'::jsonb))
  on conflict (site_id, delivery_id) do nothing
  returning id into new_deploy;
  if new_deploy is null then
    return;
  end if;
  deploy_event_id := new_deploy;
  run_id := private.enqueue_run(target_site, 'deploy', null, new_deploy, null);
  return next;
end;
$$;
revoke all on function private.record_deploy(uuid, text, text, text, text, timestamptz, jsonb) from public, anon, authenticated;

-- Notifications -----------------------------------------------------------------------------------------

-- Daily briefing at 09:00 in the site's timezone (period = local date), weekly summary on Monday at
-- 09:00 (period = ISO week, e.g. 2026-W48). Only for sites that have finished at least one crawl.
-- The outbox's unique (site, kind, period) makes this safe to call as often as anyone likes.
create or replace function private.enqueue_digests(p_at timestamptz default now(), only_sites uuid[] default null)
returns integer
language plpgsql security definer
set search_path = ''
as $$
declare
  created integer := 0;
  n integer;
begin
  insert into public.notification_outbox (site_id, kind, period_key, payload, next_attempt_at)
  select s.id, 'daily', to_char(l.local_ts, 'YYYY-MM-DD'),
         jsonb_build_object('localDate', to_char(l.local_ts, 'YYYY-MM-DD'), 'timezone', s.timezone), p_at
    from public.sites s
    cross join lateral (select p_at at time zone s.timezone as local_ts) l
   where l.local_ts::time >= time '09:00'
     and (only_sites is null or s.id = any (only_sites))
     and exists (select 1 from public.health_scores h where h.site_id = s.id and h.computed_at <= p_at)
  on conflict (site_id, kind, period_key) do nothing;
  get diagnostics n = row_count;
  created := created + n;

  insert into public.notification_outbox (site_id, kind, period_key, payload, next_attempt_at)
  select s.id, 'weekly', to_char(l.local_ts, 'IYYY-"W"IW'),
         jsonb_build_object('localDate', to_char(l.local_ts, 'YYYY-MM-DD'), 'timezone', s.timezone), p_at
    from public.sites s
    cross join lateral (select p_at at time zone s.timezone as local_ts) l
   where extract(isodow from l.local_ts) = 1 and l.local_ts::time >= time '09:00'
     and (only_sites is null or s.id = any (only_sites))
     and exists (select 1 from public.health_scores h where h.site_id = s.id and h.computed_at <= p_at)
  on conflict (site_id, kind, period_key) do nothing;
  get diagnostics n = row_count;
  return created + n;
end;
$$;
revoke all on function private.enqueue_digests(timestamptz, uuid[]) from public, anon, authenticated;

-- Claims up to max_rows due outbox rows for one sender: pending rows whose next attempt is due, and
-- rows whose previous sender's lease expired (it crashed mid-send). FOR UPDATE SKIP LOCKED: two
-- senders never claim the same row. Each claim counts as an attempt. only_sites narrows a call to
-- some sites (an operator re-sending for one site, and tests sharing a database).
create or replace function private.claim_notifications(
  worker text, p_at timestamptz default now(), max_rows integer default 20, lease interval default '5 minutes', only_sites uuid[] default null
)
returns setof public.notification_outbox
language plpgsql security definer
set search_path = ''
as $$
begin
  return query
  update public.notification_outbox o
     set status = 'sending', locked_by = worker, locked_until = p_at + lease, attempts = o.attempts + 1
   where o.id in (
     select c.id from public.notification_outbox c
      where ((c.status = 'pending' and c.next_attempt_at <= p_at)
             or (c.status = 'sending' and c.locked_until < p_at))
        and (only_sites is null or c.site_id = any (only_sites))
      order by c.next_attempt_at
      limit max_rows
      for update skip locked)
  returning o.*;
end;
$$;
revoke all on function private.claim_notifications(text, timestamptz, integer, interval, uuid[]) from public, anon, authenticated;

-- Production scheduling (pg_cron + pg_net) -----------------------------------------------------------
-- On Supabase, pg_cron calls `schedule` and `notify` every 5 minutes through pg_net. The project URL
-- and service-role key come from Supabase Vault secrets named `project_url` and `service_role_key`
-- (create them once in the dashboard's SQL editor:
--   select vault.create_secret('https://<ref>.supabase.co', 'project_url');
--   select vault.create_secret('<service role key>', 'service_role_key');)
-- Locally neither pg_cron nor pg_net exists, so this block does nothing and the stack's gateway
-- calls the functions on a timer instead (stack/src/gateway/timers.ts).

create or replace function private.invoke_edge_function(name text) returns bigint
language plpgsql security definer
set search_path = ''
as $$
declare
  base text;
  key text;
  request_id bigint;
begin
  execute 'select decrypted_secret from vault.decrypted_secrets where name = $1' into base using 'project_url';
  execute 'select decrypted_secret from vault.decrypted_secrets where name = $1' into key using 'service_role_key';
  if base is null or key is null then
    raise warning 'FlowLens: vault secrets project_url and service_role_key are needed to call the % function', name;
    return null;
  end if;
  execute 'select net.http_post(url := $1, headers := $2, body := $3, timeout_milliseconds := 60000)'
     into request_id
    using rtrim(base, '/') || '/functions/v1/' || name,
          jsonb_build_object('content-type', 'application/json', 'authorization', 'Bearer ' || key),
          '{}'::jsonb;
  return request_id;
end;
$$;
revoke all on function private.invoke_edge_function(text) from public, anon, authenticated;

do $cron$
begin
  if exists (select 1 from pg_extension where extname = 'pg_cron')
     and exists (select 1 from pg_extension where extname = 'pg_net') then
    execute $q$select cron.schedule('flowlens-schedule', '*/5 * * * *', 'select private.invoke_edge_function(''schedule'')')$q$;
    execute $q$select cron.schedule('flowlens-notify', '*/5 * * * *', 'select private.invoke_edge_function(''notify'')')$q$;
  else
    raise notice 'pg_cron or pg_net is not installed: not scheduling the schedule/notify edge functions (the local stack runs them on a timer).';
  end if;
end;
$cron$;
