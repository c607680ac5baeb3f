-- One definition of an open bug (issue 16). A bug is open when its lifecycle status is new, active
-- or regressed, it is not marked a false positive, and it is not snoozed at that moment. Core's
-- OPEN_BUG_STATUSES spells the same statuses (tests/database/vocabulary.test.ts compares them).
--
-- A plain SQL expression, immutable in its arguments, so the planner inlines it: indexes on status
-- and site still serve the queries that use it. Used by page_bugs (below), the notify function's
-- facts and finalise_run's steps (20261203008000). private.bug_status_is_open is the lifecycle part
-- alone: a snoozed bug is still open in its lifecycle (it can be fixed), just not counted or shown.

create or replace function private.bug_status_is_open(status public.bug_status) returns boolean
language sql immutable parallel safe
set search_path = ''
as $$
  select status in ('new', 'active', 'regressed')
$$;
revoke all on function private.bug_status_is_open(public.bug_status) from public, anon;
grant execute on function private.bug_status_is_open(public.bug_status) to authenticated, service_role;

create or replace function private.bug_is_open(status public.bug_status, false_positive boolean, snoozed_until timestamptz, at timestamptz)
returns boolean
language sql immutable parallel safe
set search_path = ''
as $$
  select private.bug_status_is_open(status) and not false_positive and (snoozed_until is null or snoozed_until <= at)
$$;
revoke all on function private.bug_is_open(public.bug_status, boolean, timestamptz, timestamptz) from public, anon;
grant execute on function private.bug_is_open(public.bug_status, boolean, timestamptz, timestamptz) to authenticated, service_role;

create or replace function public.page_bugs(target_site uuid, page_template text)
returns table (
  id uuid,
  type public.bug_type,
  severity public.bug_severity,
  status public.bug_status,
  title text,
  message text,
  url_template text,
  page_url text,
  selector text,
  viewports text[],
  first_seen_at timestamptz,
  last_seen_at timestamptz,
  flow_id uuid,
  step_index integer,
  evidence jsonb
)
language plpgsql stable security invoker
set search_path = ''
as $$
begin
  if target_site is null or not (target_site = any ((select private.member_site_ids())::uuid[])) then
    raise exception 'Site % does not exist or is not yours.', target_site using errcode = 'P0002';
  end if;
  return query
  select b.id, b.type, b.severity, b.status, b.title, b.message, b.url_template, b.page_url, b.selector, b.viewports,
         b.first_seen_at, b.last_seen_at, b.flow_id, b.step_index,
         coalesce((select o.evidence from public.bug_occurrences o where o.bug_id = b.id order by o.seen_at desc limit 1), '{}'::jsonb) as evidence
    from public.bugs b
   where b.site_id = target_site
     and b.url_template in (page_template, '*')
     and private.bug_is_open(b.status, b.false_positive, b.snoozed_until, now())
   order by b.severity, b.last_seen_at desc
   limit 200;
end;
$$;
