-- Fair sharing (issue 14, docs/limits.md): one tenant cannot flood the fleet.
--
--   private.limits      every limit in one table: a default row (organization_id null) and, where
--                       an operator raises or lowers one for a customer, a row for that organisation
--   private.limit_of    the limit that applies to an organisation
--   claim_jobs          fair claiming: round-robin across organisations, and across the sites of
--                       one organisation; scheduled runs before manual and deploy runs of the same
--                       tenant; at most `org_running_jobs` jobs of one organisation leased at once.
--                       Everything issue 12 put in claim_jobs (run lock first, exhausted leases
--                       failed for good, the run sweeper, the skip-locked run status) is kept.

-- Limits -------------------------------------------------------------------------------------------

create table private.limits (
  name text not null constraint limits_name_format check (name ~ '^[a-z0-9_]{1,60}$'),
  organization_id uuid references public.organizations (id) on delete cascade,
  max_count integer not null constraint limits_max_count_range check (max_count >= 0),
  -- null for a limit on things at once (running jobs); the window of a rate limit otherwise.
  window_seconds integer constraint limits_window_positive check (window_seconds is null or window_seconds > 0),
  description text not null default '',
  updated_at timestamptz not null default now(),
  constraint limits_one_per_org unique nulls not distinct (name, organization_id)
);
comment on table private.limits is
  'FlowLens limits (docs/limits.md). organization_id null = the default; a row for an organisation overrides it.';
revoke all on table private.limits from public, anon, authenticated;
grant select, insert, update, delete on table private.limits to service_role;

-- Sized for the README's nightly plan: 1,000 sites x 5 flows x 3 viewports in a 4-hour window is
-- ~63 flow-runs a minute, ~12 jobs at once on the fleet (three 4-context replicas). 16 lets one
-- organisation that owns the whole plan (an agency) still finish inside its window, while a fleet
-- scaled for many tenants is never more than 16 contexts busy with one of them.
insert into private.limits (name, max_count, window_seconds, description) values
  ('org_running_jobs', 16, null, 'crawl jobs of one organisation leased to workers at once (fair claiming)');

create or replace function private.limit_of(limit_name text, org uuid default null)
returns table (max_count integer, window_seconds integer)
language sql stable security definer
set search_path = ''
as $$
  select l.max_count, l.window_seconds from private.limits l
   where l.name = limit_name and (l.organization_id = org or l.organization_id is null)
   order by l.organization_id nulls last
   limit 1
$$;
revoke all on function private.limit_of(text, uuid) from public, anon, authenticated;
grant execute on function private.limit_of(text, uuid) to service_role;

-- Fair claiming ------------------------------------------------------------------------------------

create index crawl_jobs_running_org_idx on public.crawl_jobs (organization_id) where status = 'running';
create index crawl_jobs_site_queued_idx on public.crawl_jobs (site_id, available_at) where status = 'queued';

create or replace function public.claim_jobs(worker text, max_jobs integer default 1, lease_seconds integer default 120, only_sites uuid[] default null)
returns setof jsonb
language plpgsql security invoker
set search_path = ''
as $$
declare
  job public.crawl_jobs;
  exhausted record;
  default_cap integer := coalesce((select l.max_count from private.limit_of('org_running_jobs') l), 16);
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

  -- Claims are taken one at a time across the fleet (a few milliseconds each), so the running
  -- count each claim sees is exact and the per-organisation cap holds under concurrent workers.
  -- Nothing below waits on a row lock while holding this lock (skip locked everywhere).
  perform pg_advisory_xact_lock(hashtextextended('flowlens.claim_jobs', 0));

  for job in
    update public.crawl_jobs j
       set status = 'running',
           lease_owner = worker,
           lease_expires_at = now() + make_interval(secs => lease_seconds),
           heartbeat_at = now(),
           attempts = j.attempts + 1,
           started_at = coalesce(j.started_at, now())
     where j.id in (
       with running as (
         -- Jobs an organisation holds now (an expired lease is claimable again, so not counted).
         select r.organization_id, count(*)::integer as n from public.crawl_jobs r
          where r.status = 'running' and r.lease_expires_at >= now()
          group by r.organization_id
       ),
       sites as (
         select distinct c.site_id from public.crawl_jobs c
          where ((c.status = 'queued' and c.available_at <= now())
             or (c.status = 'running' and c.lease_expires_at < now() and c.attempts < c.max_attempts))
            and (only_sites is null or c.site_id = any (only_sites))
       ),
       claimable as (
         -- Only each site's first max_jobs jobs: a later one has at least max_jobs jobs of its own
         -- site (same organisation, same running count) ranked before it, so it cannot be among
         -- the max_jobs this call takes. Keeps a claim cheap with thousands of jobs queued.
         select x.* from sites st
         cross join lateral (
           select c.id, c.organization_id, c.site_id, c.available_at, c.created_at,
                  case cr.trigger when 'schedule' then 0 else 1 end as prio
             from public.crawl_jobs c join public.crawl_runs cr on cr.id = c.run_id
            where c.site_id = st.site_id
              and ((c.status = 'queued' and c.available_at <= now())
               or (c.status = 'running' and c.lease_expires_at < now() and c.attempts < c.max_attempts))
            order by 6, c.available_at, c.created_at, c.id
            limit greatest(max_jobs, 0)
         ) x
       ),
       by_site as (
         -- A site's own order: scheduled runs first, then oldest first.
         select cl.*, row_number() over (partition by cl.site_id order by cl.prio, cl.available_at, cl.created_at, cl.id) as site_pos
           from claimable cl
       ),
       by_org as (
         -- An organisation's order: its scheduled jobs first, its sites taking turns.
         select bs.*, row_number() over (partition by bs.organization_id order by bs.prio, bs.site_pos, bs.available_at, bs.site_id) as org_pos
           from by_site bs
       ),
       turns as (
         -- The organisations take turns: an organisation's next job waits behind every other
         -- organisation's job of a lower turn, and one already holding jobs starts further back.
         select bo.id, bo.available_at, bo.org_pos + coalesce(ru.n, 0) as turn,
                coalesce((select l.max_count from private.limits l
                           where l.name = 'org_running_jobs' and l.organization_id = bo.organization_id), default_cap) as cap
           from by_org bo left join running ru on ru.organization_id = bo.organization_id
       )
       select c.id from public.crawl_jobs c join turns t on t.id = c.id
        where t.turn <= t.cap
          and ((c.status = 'queued' and c.available_at <= now())
           or (c.status = 'running' and c.lease_expires_at < now() and c.attempts < c.max_attempts))
        order by t.turn, t.available_at, c.id
        limit greatest(max_jobs, 0)
        for update of c skip locked
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
revoke all on function public.claim_jobs(text, integer, integer, uuid[]) from public, anon, authenticated;
grant execute on function public.claim_jobs(text, integer, integer, uuid[]) to service_role;
