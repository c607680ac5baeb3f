-- "Open bug" asked of SQL by the dashboard (issue 16). public.is_open(bugs) is a PostgREST computed
-- field: the dashboard filters with `is_open=is.true` (supabase-js `.eq('is_open', true)`) instead of
-- spelling core's open statuses, the false-positive flag and the snooze as a filter of its own. The
-- rule stays private.bug_is_open (20261203007000), the one definition page_bugs, notify and
-- finalise_run use; "now" is the database's clock, as for the health score.
--
-- The row parameter is unnamed, so PostgREST exposes the function as a field of bugs only, never
-- as /rpc/is_open. Security invoker: it sees a bugs row only when RLS has already let the caller
-- read it. Stable (now()); the SET clause keeps the planner from inlining it, which is fine: every
-- dashboard query that uses it is already narrowed to one site (bugs_site_id index).

create or replace function public.is_open(public.bugs) returns boolean
language sql stable parallel safe security invoker
set search_path = ''
as $$
  select private.bug_is_open($1.status, $1.false_positive, $1.snoozed_until, now())
$$;
comment on function public.is_open(public.bugs) is
  'Computed field bugs.is_open: new, active or regressed, not a false positive, not snoozed now (private.bug_is_open).';
revoke all on function public.is_open(public.bugs) from public, anon;
grant execute on function public.is_open(public.bugs) to authenticated, service_role;
