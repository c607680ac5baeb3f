-- Queue metrics for the fleet (issue 15): one SQL source of truth for what the queue looks like,
-- read by every crawler worker at scrape time and served on its /metrics endpoint as
-- flowlens_queue_jobs{status}, flowlens_queue_oldest_queued_seconds, flowlens_runs_running,
-- flowlens_outbox_pending{kind,destination} and flowlens_outbox_oldest_seconds (crawler/src/worker/
-- metrics.ts maps the answer). The service role only: these are counts across every organisation.
--
-- Each count reads a partial index on live rows (queued or running jobs, open runs, unsent
-- notifications), never the growing history of finished ones, so a scrape stays cheap however long
-- the fleet has run.

-- "Claimable" is the question claim_jobs and the KEDA trigger (crawler/deploy/worker-keda.yaml) ask:
-- queued and due, or running with a lease that expired (its worker stopped heartbeating).
create or replace function public.queue_metrics() returns jsonb
language sql stable security definer
set search_path = ''
as $$
  with jobs as (
    select status::text as status, count(*)::integer as n
      from public.crawl_jobs
     where status in ('queued', 'running')
     group by status
  ),
  due as (
    select count(*)::integer as n, min(available_at) as oldest
      from public.crawl_jobs
     where status = 'queued' and available_at <= now()
  ),
  expired as (
    select count(*)::integer as n
      from public.crawl_jobs
     where status = 'running' and lease_expires_at < now()
  ),
  runs as (
    select count(*) filter (where status = 'running')::integer as running,
           count(*) filter (where status = 'queued')::integer as queued
      from public.crawl_runs
     where finished_at is null
  ),
  outbox as (
    select kind, 'email' as destination, count(*)::integer as n, min(created_at) as oldest
      from public.notification_outbox
     where status in ('pending', 'sending')
     group by kind
    union all
    select kind, 'channel', count(*)::integer, min(created_at)
      from public.channel_deliveries
     where status in ('pending', 'sending')
     group by kind
  )
  select jsonb_build_object(
    'jobs', coalesce((select jsonb_object_agg(status, n) from jobs), '{}'::jsonb),
    'claimable', (select n from due) + (select n from expired),
    'expiredLeases', (select n from expired),
    'oldestQueuedSeconds', coalesce(extract(epoch from now() - (select oldest from due)), 0)::double precision,
    'runsRunning', (select running from runs),
    'runsQueued', (select queued from runs),
    'outboxPending', coalesce((select jsonb_agg(jsonb_build_object('kind', kind, 'destination', destination, 'count', n) order by destination, kind) from outbox), '[]'::jsonb),
    'outboxOldestSeconds', coalesce(extract(epoch from now() - (select min(oldest) from outbox)), 0)::double precision
  );
$$;
revoke all on function public.queue_metrics() from public, anon, authenticated;
grant execute on function public.queue_metrics() to service_role;

-- Log context: a worker's log lines carry the organisation of the job they are about (org_id), so
-- an operator can follow one tenant across the fleet. The job's payload gains job.organizationId;
-- the rest of the payload is unchanged (the function it had becomes job_payload_core).
alter function private.job_payload(public.crawl_jobs) rename to job_payload_core;
create function private.job_payload(job public.crawl_jobs) returns jsonb
language sql stable security definer
set search_path = ''
as $$
  select jsonb_set(private.job_payload_core(job), '{job,organizationId}', to_jsonb(job.organization_id));
$$;
revoke all on function private.job_payload(public.crawl_jobs) from public, anon, authenticated;
grant execute on function private.job_payload(public.crawl_jobs) to service_role;
