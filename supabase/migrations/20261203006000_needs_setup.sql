-- Missing configuration is not a site bug (issue 13).
--
-- A flow that types a secret the site has not stored is not run by the worker; its report says so
-- (runs[].needsSetup.secrets). Here that becomes a state of the flow:
--
--   flow_results.status 'needs_setup'  the run's result for the flow (left out of the health
--                                      score, success rates, flapping and bug counts: it says
--                                      nothing about the site) with missing_secrets
--   public.flow_setup                  one row per flow that needs setup now: which secrets, since
--                                      when; removed when the flow runs again (passed or failed)
--   notification_outbox 'needs_setup'  one email to the organisation's owners and admins per episode
--                                      (flow + the time it started needing setup), never per run
--
-- finalise_run is not changed: a BEFORE INSERT trigger on flow_results reads the job's stored report
-- for the needsSetup mark, an AFTER INSERT trigger keeps flow_setup and the outbox in step.

alter table public.flow_results drop constraint flow_results_status_valid;
alter table public.flow_results add constraint flow_results_status_valid
  check (status in ('passed', 'failed', 'errored', 'needs_setup'));
alter table public.flow_results add column missing_secrets text[] not null default '{}';
alter table public.flow_results add constraint flow_results_needs_setup_names
  check ((status = 'needs_setup') = (cardinality(missing_secrets) > 0) and cardinality(missing_secrets) <= 50
         and (status <> 'needs_setup' or source = 'crawler'));

alter table public.notification_outbox drop constraint notification_outbox_kind_valid;
alter table public.notification_outbox add constraint notification_outbox_kind_valid
  check (kind in ('instant', 'daily', 'weekly', 'channel_failing', 'alert_overflow', 'needs_setup'));

create table public.flow_setup (
  flow_id uuid primary key references public.flows (id) on delete cascade,
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  missing_secrets text[] not null constraint flow_setup_names check (cardinality(missing_secrets) between 1 and 50),
  since timestamptz not null,
  run_id uuid references public.crawl_runs (id) on delete set null,
  updated_at timestamptz not null default now()
);
alter table public.flow_setup enable row level security;
create index flow_setup_site_id_idx on public.flow_setup (site_id);
create index flow_setup_organization_id_idx on public.flow_setup (organization_id);
create index flow_setup_run_id_idx on public.flow_setup (run_id);
create trigger flow_setup_org before insert or update on public.flow_setup
  for each row execute function private.set_organization_from_site();

-- Read by every member (the dashboard and side panel show it); written only by the triggers below.
create policy "Members can see which flows need setup" on public.flow_setup
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- The needsSetup mark of the job's report, as secret names (valid names only, at most 50).
create or replace function private.report_missing_secrets(target_job uuid) returns text[]
language sql stable
set search_path = ''
as $$
  select coalesce(array_agg(n order by ord) filter (where n ~ '^[A-Z0-9_]{1,64}$'), '{}')
    from (select n, ord
            from public.crawl_jobs j
            cross join lateral jsonb_array_elements(case when jsonb_typeof(j.result -> 'runs') = 'array' then j.result -> 'runs' else '[]'::jsonb end) with ordinality r(run, run_ord)
            cross join lateral jsonb_array_elements_text(case when jsonb_typeof(r.run #> '{needsSetup,secrets}') = 'array' then r.run #> '{needsSetup,secrets}' else '[]'::jsonb end) with ordinality s(n, ord)
           where j.id = target_job and r.run_ord = 1 and r.run ->> 'status' = 'errored'
           limit 50) x
$$;
revoke all on function private.report_missing_secrets(uuid) from public, anon, authenticated;

create or replace function private.flow_result_needs_setup() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  missing text[];
begin
  if new.source = 'crawler' and new.status = 'errored' and new.job_id is not null then
    missing := private.report_missing_secrets(new.job_id);
    if cardinality(missing) > 0 then
      new.status := 'needs_setup';
      new.missing_secrets := missing;
    end if;
  end if;
  return new;
end;
$$;
revoke all on function private.flow_result_needs_setup() from public, anon, authenticated;

create trigger flow_results_needs_setup before insert on public.flow_results
  for each row execute function private.flow_result_needs_setup();

-- After a crawler result: a needs_setup result opens (or extends) the flow's episode, and the first
-- result of an episode queues one email to owners and admins; a passed or failed result (the flow
-- ran) closes it. Errored results say nothing either way.
create or replace function private.track_flow_setup() returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  opened timestamptz;
begin
  if new.source <> 'crawler' then
    return null;
  end if;
  if new.status in ('passed', 'failed') then
    delete from public.flow_setup where flow_id = new.flow_id;
    return null;
  end if;
  if new.status <> 'needs_setup' then
    return null;
  end if;
  insert into public.flow_setup as fs (flow_id, site_id, missing_secrets, since, run_id)
  values (new.flow_id, new.site_id, new.missing_secrets, new.finished_at, new.run_id)
  on conflict (flow_id) do update
     -- The viewports of one run add up (at most 50 names); a later run says what is missing now.
     set missing_secrets = case when fs.run_id is not distinct from excluded.run_id
                                then (select array_agg(n order by n) from (select distinct n from unnest(fs.missing_secrets || excluded.missing_secrets) n order by n limit 50) x)
                                else excluded.missing_secrets end,
         run_id = excluded.run_id, updated_at = now()
  returning since into opened;
  insert into public.notification_outbox (site_id, kind, period_key, run_id, payload)
  values (new.site_id, 'needs_setup', new.flow_id::text || '@' || to_char(opened at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'), new.run_id,
          jsonb_build_object('flowId', new.flow_id))
  on conflict (site_id, kind, period_key) do nothing;
  return null;
end;
$$;
revoke all on function private.track_flow_setup() from public, anon, authenticated;

create trigger flow_results_track_setup after insert on public.flow_results
  for each row execute function private.track_flow_setup();
