-- FlowLens Site Context, part 4: deploys, crawl runs and the job queue, and per-flow results.
--
-- A crawl run is one trigger (schedule, deploy, manual). Its jobs — one per flow × viewport, plus
-- one page-discovery job per viewport — are the queue the crawler workers claim from
-- (status, lease owner, lease expiry, attempts). Workers and edge functions write these tables
-- with the service role; members only read them.

create table public.deploy_events (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  commit_sha text not null constraint deploy_events_commit_sha_format check (commit_sha ~ '^[0-9A-Za-z._-]{1,80}$'),
  branch text,
  environment text,
  -- Identifies one signed delivery (a hash of its signature) so a replay is refused.
  delivery_id text not null,
  sent_at timestamptz,
  received_at timestamptz not null default now(),
  payload jsonb not null default '{}',
  unique (site_id, delivery_id)
);
alter table public.deploy_events enable row level security;
create index deploy_events_organization_id_idx on public.deploy_events (organization_id);
create index deploy_events_site_received_idx on public.deploy_events (site_id, received_at desc);
create trigger deploy_events_org before insert or update on public.deploy_events
  for each row execute function private.set_organization_from_site();

create policy "Members can see deploys" on public.deploy_events
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

create type public.crawl_trigger as enum ('schedule', 'deploy', 'manual');
create type public.run_status as enum ('queued', 'running', 'completed', 'failed', 'cancelled');

create table public.crawl_runs (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  trigger public.crawl_trigger not null,
  status public.run_status not null default 'queued',
  -- The schedule slot a scheduled run is for; unique per site so a slot is never crawled twice.
  slot timestamptz,
  deploy_event_id uuid references public.deploy_events (id) on delete set null,
  requested_by uuid references auth.users (id) on delete set null,
  viewports text[] not null default '{desktop,tablet,mobile}'
    constraint crawl_runs_viewports_valid check (viewports <@ '{desktop,tablet,mobile}'::text[] and cardinality(viewports) > 0),
  created_at timestamptz not null default now(),
  started_at timestamptz,
  finished_at timestamptz,
  -- Crawl diff and counts written by finalisation: new, fixed, persistent, regressed, pages added/removed.
  summary jsonb,
  health_score integer constraint crawl_runs_health_score_range check (health_score between 0 and 100),
  error text,
  constraint crawl_runs_slot_for_schedule check ((trigger = 'schedule') = (slot is not null))
);
alter table public.crawl_runs enable row level security;
create unique index crawl_runs_schedule_slot_key on public.crawl_runs (site_id, slot) where trigger = 'schedule';
create index crawl_runs_site_created_idx on public.crawl_runs (site_id, created_at desc);
create index crawl_runs_organization_id_idx on public.crawl_runs (organization_id);
create index crawl_runs_deploy_event_id_idx on public.crawl_runs (deploy_event_id);
create trigger crawl_runs_org before insert or update on public.crawl_runs
  for each row execute function private.set_organization_from_site();

create policy "Members can see crawl runs" on public.crawl_runs
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

create type public.job_status as enum ('queued', 'running', 'done', 'failed', 'cancelled');

create table public.crawl_jobs (
  id uuid primary key default gen_random_uuid(),
  run_id uuid not null references public.crawl_runs (id) on delete cascade,
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  -- null: the page-discovery job of this run × viewport.
  flow_id uuid references public.flows (id) on delete set null,
  flow_version integer,
  viewport text not null constraint crawl_jobs_viewport_valid check (viewport in ('desktop', 'tablet', 'mobile')),
  status public.job_status not null default 'queued',
  attempts integer not null default 0,
  max_attempts integer not null default 3 constraint crawl_jobs_max_attempts_positive check (max_attempts > 0),
  -- Not claimable before this time (retry backoff).
  available_at timestamptz not null default now(),
  lease_owner text,
  lease_expires_at timestamptz,
  heartbeat_at timestamptz,
  started_at timestamptz,
  finished_at timestamptz,
  last_error text,
  -- The worker's report for this job (core Report), kept as evidence after finalisation.
  result jsonb,
  created_at timestamptz not null default now(),
  constraint crawl_jobs_lease_consistent check (status <> 'running' or (lease_owner is not null and lease_expires_at is not null))
);
alter table public.crawl_jobs enable row level security;
create index crawl_jobs_queued_idx on public.crawl_jobs (available_at) where status = 'queued';
create index crawl_jobs_running_lease_idx on public.crawl_jobs (lease_expires_at) where status = 'running';
create index crawl_jobs_run_id_idx on public.crawl_jobs (run_id);
create index crawl_jobs_organization_id_idx on public.crawl_jobs (organization_id);
create index crawl_jobs_flow_id_idx on public.crawl_jobs (flow_id);
create trigger crawl_jobs_org before insert or update on public.crawl_jobs
  for each row execute function private.set_organization_from_site();

create policy "Members can follow crawl progress" on public.crawl_jobs
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Per-flow results: one row per flow × viewport × run from the crawler, and one per guided
-- walkthrough a member completes in their own browser (issue 9), so success rates count both.

create table public.flow_results (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  flow_id uuid not null references public.flows (id) on delete cascade,
  flow_version integer not null,
  run_id uuid references public.crawl_runs (id) on delete cascade,
  job_id uuid references public.crawl_jobs (id) on delete set null,
  viewport text not null constraint flow_results_viewport_valid check (viewport in ('desktop', 'tablet', 'mobile')),
  source text not null constraint flow_results_source_valid check (source in ('crawler', 'walkthrough')),
  status text not null constraint flow_results_status_valid check (status in ('passed', 'failed', 'errored')),
  healed_steps integer[] not null default '{}',
  failed_step integer,
  flaky boolean not null default false,
  steps jsonb not null default '[]',
  user_id uuid references auth.users (id) on delete set null,
  started_at timestamptz not null default now(),
  finished_at timestamptz not null default now(),
  constraint flow_results_walkthrough_has_user check (source <> 'walkthrough' or user_id is not null),
  constraint flow_results_crawler_has_run check (source <> 'crawler' or run_id is not null)
);
alter table public.flow_results enable row level security;
create index flow_results_flow_idx on public.flow_results (flow_id, finished_at desc);
create index flow_results_organization_id_idx on public.flow_results (organization_id);
create index flow_results_run_id_idx on public.flow_results (run_id);
create index flow_results_user_id_idx on public.flow_results (user_id);
create unique index flow_results_one_per_job on public.flow_results (run_id, flow_id, viewport) where source = 'crawler';
create trigger flow_results_org before insert or update on public.flow_results
  for each row execute function private.set_organization_from_site();

create policy "Members can read flow results" on public.flow_results
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Members can record their own walkthroughs" on public.flow_results
  for insert to authenticated
  with check (
    organization_id = any ((select private.member_org_ids())::uuid[])
    and source = 'walkthrough'
    and user_id = (select auth.uid())
    and run_id is null
  );
