-- FlowLens Site Context, part 6: bugs and their occurrences, health scores, the notification
-- outbox, and the audit trail of what people did to bugs.
--
-- One bug row per fingerprint per site (core/src/fingerprint.ts); its lifecycle is
-- new -> active -> fixed -> regressed (-> active …), maintained by crawl finalisation.
-- Snoozed and false-positive bugs stay quiet; a false positive is remembered forever for that
-- fingerprint. Members may only snooze, unsnooze, mark and unmark false positives (column grants),
-- and every such change lands in audit_log with who did it.

create type public.bug_type as enum (
  'flow_broken', 'js_error', 'console_error', 'request_failed', 'broken_link',
  'a11y', 'perf_regression', 'layout_overflow', 'page_changed'
);
create type public.bug_severity as enum ('P0', 'P1', 'P2', 'P3');
create type public.bug_status as enum ('new', 'active', 'fixed', 'regressed');

create table public.bugs (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  fingerprint text not null,
  fingerprint_version text not null,
  type public.bug_type not null,
  severity public.bug_severity not null,
  title text not null,
  message text,
  url_template text not null,
  page_url text,
  selector text,
  flow_id uuid references public.flows (id) on delete set null,
  step_index integer,
  status public.bug_status not null default 'new',
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  fixed_at timestamptz,
  times_regressed integer not null default 0,
  first_run_id uuid references public.crawl_runs (id) on delete set null,
  last_run_id uuid references public.crawl_runs (id) on delete set null,
  -- Viewports it was seen on in the last run that saw it.
  viewports text[] not null default '{}',
  snoozed_until timestamptz,
  false_positive boolean not null default false,
  false_positive_at timestamptz,
  false_positive_by uuid references auth.users (id) on delete set null,
  -- The latest deploy before the bug first appeared ("appeared 8 minutes after deploy abc123").
  deploy_event_id uuid references public.deploy_events (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (site_id, fingerprint)
);
alter table public.bugs enable row level security;
create index bugs_organization_id_idx on public.bugs (organization_id);
create index bugs_site_status_idx on public.bugs (site_id, status, severity);
create index bugs_site_page_idx on public.bugs (site_id, url_template);
create index bugs_site_last_seen_idx on public.bugs (site_id, last_seen_at desc);
create index bugs_flow_id_idx on public.bugs (flow_id);
create index bugs_deploy_event_id_idx on public.bugs (deploy_event_id);
create trigger bugs_org before insert or update on public.bugs
  for each row execute function private.set_organization_from_site();
create trigger bugs_touch before update on public.bugs for each row execute function private.touch_updated_at();

revoke insert, update, delete on public.bugs from anon, authenticated;
grant update (snoozed_until, false_positive) on public.bugs to authenticated;

create policy "Members can read bugs" on public.bugs
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Members can snooze bugs and mark false positives" on public.bugs
  for update to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]))
  with check (organization_id = any ((select private.member_org_ids())::uuid[]));

create table public.bug_occurrences (
  id uuid primary key default gen_random_uuid(),
  bug_id uuid not null references public.bugs (id) on delete cascade,
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  run_id uuid not null references public.crawl_runs (id) on delete cascade,
  viewport text not null constraint bug_occurrences_viewport_valid check (viewport in ('desktop', 'tablet', 'mobile')),
  page_url text,
  seen_at timestamptz not null default now(),
  -- { screenshot?, console?, request?, axe?, reproSteps? } as in the core Report.
  evidence jsonb not null default '{}',
  unique (bug_id, run_id, viewport)
);
alter table public.bug_occurrences enable row level security;
create index bug_occurrences_organization_id_idx on public.bug_occurrences (organization_id);
create index bug_occurrences_run_id_idx on public.bug_occurrences (run_id);
create trigger bug_occurrences_org before insert or update on public.bug_occurrences
  for each row execute function private.set_organization_from_site();
create policy "Members can read bug evidence" on public.bug_occurrences
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Health scores: the score of a site after a run, with the inputs that produced it, so it can be
-- recomputed (core/src/health.ts documents the formula).
create table public.health_scores (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  run_id uuid not null unique references public.crawl_runs (id) on delete cascade,
  score integer not null constraint health_scores_score_range check (score between 0 and 100),
  components jsonb not null,
  inputs jsonb not null,
  formula_version text not null,
  computed_at timestamptz not null default now()
);
alter table public.health_scores enable row level security;
create index health_scores_organization_id_idx on public.health_scores (organization_id);
create index health_scores_site_time_idx on public.health_scores (site_id, computed_at desc);
create trigger health_scores_org before insert or update on public.health_scores
  for each row execute function private.set_organization_from_site();
create policy "Members can read health scores" on public.health_scores
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Notification outbox: one row per (site, kind, period) — the unique key is what makes every
-- email go out once however often or concurrently the sender runs.
create table public.notification_outbox (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null constraint notification_outbox_kind_valid check (kind in ('instant', 'daily', 'weekly')),
  -- instant: the run id; daily: the local date; weekly: the ISO week (e.g. 2026-W47).
  period_key text not null,
  run_id uuid references public.crawl_runs (id) on delete set null,
  payload jsonb not null default '{}',
  status text not null default 'pending' constraint notification_outbox_status_valid check (status in ('pending', 'sending', 'sent', 'failed', 'skipped')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  locked_by text,
  locked_until timestamptz,
  last_error text,
  recipients text[] not null default '{}',
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  unique (site_id, kind, period_key)
);
alter table public.notification_outbox enable row level security;
create index notification_outbox_organization_id_idx on public.notification_outbox (organization_id);
create index notification_outbox_due_idx on public.notification_outbox (next_attempt_at) where status in ('pending', 'sending');
create trigger notification_outbox_org before insert or update on public.notification_outbox
  for each row execute function private.set_organization_from_site();
create policy "Members can see what was sent about their sites" on public.notification_outbox
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Audit trail of user actions on bugs -----------------------------------------------------------------

create table public.audit_log (
  id bigint generated always as identity primary key,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  site_id uuid references public.sites (id) on delete cascade,
  bug_id uuid references public.bugs (id) on delete set null,
  actor_id uuid references auth.users (id) on delete set null,
  action text not null,
  details jsonb not null default '{}',
  created_at timestamptz not null default now()
);
alter table public.audit_log enable row level security;
create index audit_log_organization_id_idx on public.audit_log (organization_id, created_at desc);
create index audit_log_bug_id_idx on public.audit_log (bug_id);
create index audit_log_site_id_idx on public.audit_log (site_id);
create index audit_log_actor_id_idx on public.audit_log (actor_id);
create policy "Members can read their organisation's audit trail" on public.audit_log
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Stamps false positives and records every user action on a bug. Changes made without a signed-in
-- user (crawl finalisation, the service role) are lifecycle, not user actions, and are not audited.
create or replace function private.stamp_bug_change() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if new.false_positive and not old.false_positive then
    new.false_positive_at := now();
    new.false_positive_by := (select auth.uid());
  elsif not new.false_positive and old.false_positive then
    new.false_positive_at := null;
    new.false_positive_by := null;
  end if;
  return new;
end;
$$;
create trigger bugs_stamp before update of false_positive on public.bugs
  for each row execute function private.stamp_bug_change();

create or replace function private.audit_bug_change() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  actor uuid := (select auth.uid());
begin
  if actor is null then
    return new;
  end if;
  if new.snoozed_until is distinct from old.snoozed_until then
    insert into public.audit_log (organization_id, site_id, bug_id, actor_id, action, details)
    values (new.organization_id, new.site_id, new.id, actor,
            case when new.snoozed_until is null then 'unsnooze' else 'snooze' end,
            jsonb_build_object('from', old.snoozed_until, 'to', new.snoozed_until));
  end if;
  if new.false_positive is distinct from old.false_positive then
    insert into public.audit_log (organization_id, site_id, bug_id, actor_id, action, details)
    values (new.organization_id, new.site_id, new.id, actor,
            case when new.false_positive then 'mark_false_positive' else 'unmark_false_positive' end,
            jsonb_build_object('fingerprint', new.fingerprint));
  end if;
  return new;
end;
$$;
create trigger bugs_audit after update on public.bugs
  for each row execute function private.audit_bug_change();

-- Reopen: clears snooze and false positive in one audited action. SECURITY DEFINER because
-- members have no insert right on audit_log; membership is checked explicitly instead.
create or replace function public.reopen_bug(target_bug uuid) returns public.bugs
language plpgsql security definer
set search_path = ''
as $$
declare
  b public.bugs;
begin
  select * into b from public.bugs where id = target_bug for update;
  if b.id is null or not (b.organization_id = any (private.member_org_ids())) then
    raise exception 'Bug % does not exist or is not yours to change.', target_bug using errcode = 'P0002';
  end if;
  update public.bugs set snoozed_until = null, false_positive = false where id = target_bug returning * into b;
  insert into public.audit_log (organization_id, site_id, bug_id, actor_id, action, details)
  values (b.organization_id, b.site_id, b.id, (select auth.uid()), 'reopen', '{}'::jsonb);
  return b;
end;
$$;
revoke all on function public.reopen_bug(uuid) from public, anon;
grant execute on function public.reopen_bug(uuid) to authenticated, service_role;
