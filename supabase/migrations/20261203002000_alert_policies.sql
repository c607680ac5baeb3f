-- Alert policies (issue 18): how loud each site wants to be.
--
--   public.alert_policies     one row per site (no row = today's behaviour: alert at once, no
--                             flapping rule, no quiet hours)
--   public.alert_decisions    what the policy decided about each alert-worthy bug (sent, held,
--                             suppressed as flapping) and each flapping notice, with the reason in
--                             words ("sent because the Checkout flow failed 2 nights in a row")
--   private.apply_alert_policy(run, at)  runs when a run is finalised and owns the run's instant
--                             outbox row: writes it, rewrites its bug list with the reasons, or
--                             removes it when everything was held or suppressed.
--
-- finalise_run is not changed: it still writes the instant row for new/regressed P0/P1 bugs; a
-- deferred trigger on crawl_runs (finished_at set) applies the policy at the end of the same
-- transaction, before anyone can send the row. Small named functions, each testable alone:
--   private.in_quiet_hours, private.bug_streak, private.flow_flips, private.alert_policy_words

-- Policies -----------------------------------------------------------------------------------------------

create table public.alert_policies (
  site_id uuid primary key references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  -- 'immediate': a new or regressed P0/P1 alerts at once. 'consecutive': only once it was seen in
  -- `consecutive_runs` runs in a row (a one-night blip never pages anyone).
  mode text not null default 'immediate' constraint alert_policies_mode_valid check (mode in ('immediate', 'consecutive')),
  consecutive_runs integer not null default 2 constraint alert_policies_runs_range check (consecutive_runs between 2 and 10),
  -- A flow that flips passed <-> failed at least flap_flips times within flap_window_days is
  -- reported once as flapping instead of alerting on each flip. Null: no flapping rule.
  flap_flips integer constraint alert_policies_flips_range check (flap_flips between 2 and 20),
  flap_window_days integer not null default 7 constraint alert_policies_window_range check (flap_window_days between 1 and 30),
  -- Quiet hours in the site's timezone (may wrap midnight: 22:00–07:00). Non-P0 alerts found then
  -- are held for the next daily briefing. Both null: no quiet hours.
  quiet_start time,
  quiet_end time,
  updated_at timestamptz not null default now(),
  constraint alert_policies_quiet_both check ((quiet_start is null) = (quiet_end is null) and (quiet_start is null or quiet_start <> quiet_end))
);
alter table public.alert_policies enable row level security;
create index alert_policies_organization_id_idx on public.alert_policies (organization_id);
create trigger alert_policies_org before insert or update on public.alert_policies
  for each row execute function private.set_organization_from_site();
create trigger alert_policies_touch before update on public.alert_policies
  for each row execute function private.touch_updated_at();

create policy "Members can see their sites' alert policies" on public.alert_policies
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Owners and admins can set an alert policy" on public.alert_policies
  for insert to authenticated
  with check (organization_id = any ((select private.admin_org_ids())::uuid[]));
create policy "Owners and admins can change an alert policy" on public.alert_policies
  for update to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]))
  with check (organization_id = any ((select private.admin_org_ids())::uuid[]));
create policy "Owners and admins can reset an alert policy" on public.alert_policies
  for delete to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]));

-- Decisions ---------------------------------------------------------------------------------------------

create table public.alert_decisions (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  run_id uuid references public.crawl_runs (id) on delete set null,
  -- A bug's decision, or (bug_id null) a flow's flapping notice.
  bug_id uuid references public.bugs (id) on delete cascade,
  flow_id uuid references public.flows (id) on delete cascade,
  -- The bug's times_regressed when decided: a bug is alerted about once per appearance, and again
  -- after it was fixed and came back.
  episode integer,
  decision text not null constraint alert_decisions_decision_valid check (decision in ('sent', 'held', 'suppressed', 'flapping')),
  severity text,
  reason text not null,
  -- A flapping notice's numbers: { flowName, flips, windowDays }.
  details jsonb not null default '{}',
  decided_at timestamptz not null default now(),
  constraint alert_decisions_subject check (bug_id is not null or (flow_id is not null and decision in ('flapping', 'held')))
);
alter table public.alert_decisions enable row level security;
create unique index alert_decisions_one_per_episode on public.alert_decisions (bug_id, episode) where bug_id is not null;
create index alert_decisions_site_idx on public.alert_decisions (site_id, decided_at desc);
create index alert_decisions_organization_id_idx on public.alert_decisions (organization_id);
create index alert_decisions_run_id_idx on public.alert_decisions (run_id);
create index alert_decisions_flow_idx on public.alert_decisions (flow_id, decided_at desc) where bug_id is null;
create trigger alert_decisions_org before insert or update on public.alert_decisions
  for each row execute function private.set_organization_from_site();

create policy "Members can see why alerts were sent or held" on public.alert_decisions
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Building blocks ----------------------------------------------------------------------------------------

-- Is `p_at` inside [start, end) in the site's local time? A window may wrap midnight.
create or replace function private.in_quiet_hours(quiet_start time, quiet_end time, tz text, p_at timestamptz) returns boolean
language sql stable
set search_path = ''
as $$
  select case
    when quiet_start is null or quiet_end is null then false
    when quiet_start < quiet_end then (p_at at time zone tz)::time >= quiet_start and (p_at at time zone tz)::time < quiet_end
    else (p_at at time zone tz)::time >= quiet_start or (p_at at time zone tz)::time < quiet_end
  end
$$;

-- In how many of the site's finished runs in a row, ending with `target_run`, was the bug seen?
-- Counts at most `cap` runs back (enough to decide "N in a row").
create or replace function private.bug_streak(target_bug uuid, target_run uuid, cap integer) returns integer
language plpgsql stable
set search_path = ''
as $$
declare
  r public.crawl_runs;
  n integer := 0;
  run_row record;
begin
  select * into r from public.crawl_runs where id = target_run;
  for run_row in
    select cr.id from public.crawl_runs cr
     where cr.site_id = r.site_id and cr.finished_at is not null and cr.status = 'completed' and cr.created_at <= r.created_at
     order by cr.created_at desc, cr.id desc
     limit cap
  loop
    exit when not exists (select 1 from public.bug_occurrences o where o.bug_id = target_bug and o.run_id = run_row.id);
    n := n + 1;
  end loop;
  return n;
end;
$$;

-- How often a flow flipped between passed and failed in the site's runs finished in
-- (p_at - window, p_at]. A run's outcome for the flow: failed when any viewport failed, passed when
-- all passed; errored runs say nothing about the site and are left out.
create or replace function private.flow_flips(target_flow uuid, p_at timestamptz, window_days integer) returns integer
language sql stable
set search_path = ''
as $$
  with outcomes as (
    select cr.created_at, bool_or(fr.status = 'failed') as failed
      from public.flow_results fr join public.crawl_runs cr on cr.id = fr.run_id
     where fr.flow_id = target_flow and fr.source = 'crawler' and fr.status in ('passed', 'failed')
       and cr.finished_at is not null and cr.finished_at > p_at - make_interval(days => window_days) and cr.finished_at <= p_at
     group by cr.id, cr.created_at
  ), flips as (
    select failed is distinct from lag(failed) over (order by created_at) and lag(failed) over (order by created_at) is not null as flipped
      from outcomes
  )
  select count(*) filter (where flipped)::integer from flips
$$;

-- The policy in one sentence, for the dashboard and every alert.
create or replace function private.alert_policy_words(target_site uuid) returns text
language sql stable
set search_path = ''
as $$
  select concat_ws('; ',
    case when coalesce(p.mode, 'immediate') = 'immediate' then 'Alerts at once on a new or returning P0/P1 bug'
         else format('Alerts once a P0/P1 bug was seen in %s runs in a row', p.consecutive_runs) end,
    case when p.flap_flips is not null
         then format('a flow that flips between passed and failed %s times in %s days is reported once as flapping', p.flap_flips, p.flap_window_days) end,
    case when p.quiet_start is not null
         then format('quiet hours %s–%s (%s) hold all but P0 alerts for the next daily briefing',
                     to_char(p.quiet_start, 'HH24:MI'), to_char(p.quiet_end, 'HH24:MI'), s.timezone) end
  ) || '.'
    from public.sites s left join public.alert_policies p on p.site_id = s.id
   where s.id = target_site
$$;
grant execute on function private.alert_policy_words(uuid) to authenticated, service_role;

-- The policy ------------------------------------------------------------------------------------------------

-- Decides, for a finished run, which P0/P1 bugs alert now, which are held for the briefing and which
-- are folded into a flapping notice, records each decision with its reason, and leaves the run's
-- instant outbox row saying exactly that (or no row when nothing is to be sent now). Idempotent: a
-- bug is decided once per episode, a flow's flapping notice once per window.
create or replace function private.apply_alert_policy(target_run uuid, p_at timestamptz) returns jsonb
language plpgsql security definer
set search_path = ''
as $$
declare
  r public.crawl_runs;
  s public.sites;
  p public.alert_policies;
  v_mode text;
  v_quiet boolean;
  v_quiet_words text;
  v_runs_word text;
  b record;
  v_fresh boolean;
  v_streak integer;
  v_flips integer;
  v_decision text;
  v_reason text;
  v_send uuid[];
  v_reasons jsonb;
  v_flapping jsonb;
  v_noticed uuid[] := '{}';
  v_deploy uuid;
begin
  select * into r from public.crawl_runs where id = target_run;
  if r.id is null or r.finished_at is null then
    return null;
  end if;
  select * into s from public.sites where id = r.site_id;
  select * into p from public.alert_policies where site_id = r.site_id;
  v_mode := coalesce(p.mode, 'immediate');
  v_quiet := private.in_quiet_hours(p.quiet_start, p.quiet_end, s.timezone, p_at);
  v_quiet_words := format('quiet hours %s–%s (%s)', to_char(p.quiet_start, 'HH24:MI'), to_char(p.quiet_end, 'HH24:MI'), s.timezone);
  v_runs_word := case when r.trigger = 'schedule' then 'nights' else 'runs' end;

  for b in
    select bg.id, bg.severity::text as severity, bg.type::text as type, bg.status::text as status, bg.first_run_id,
           bg.times_regressed, bg.flow_id, f.name as flow_name
      from public.bugs bg left join public.flows f on f.id = bg.flow_id
     where bg.site_id = r.site_id and bg.last_run_id = r.id and bg.severity in ('P0', 'P1') and not bg.false_positive
       and (bg.snoozed_until is null or bg.snoozed_until <= p_at)
       and not exists (select 1 from public.alert_decisions d where d.bug_id = bg.id and d.episode = bg.times_regressed)
     order by bg.severity, bg.first_seen_at, bg.id
  loop
    -- A bug that first appeared in this run, or was fixed and came back in it (finalise leaves it
    -- 'regressed' until its next sighting).
    v_fresh := b.first_run_id = r.id or b.status = 'regressed';
    if v_mode = 'immediate' then
      continue when not v_fresh;
      v_reason := case when b.status = 'regressed' then format('sent at once because this %s came back after it was fixed', b.severity)
                       else format('sent at once because this %s is new', b.severity) end;
    else
      -- Exactly N: the run that completes the streak alerts; a longer streak was decided before.
      v_streak := private.bug_streak(b.id, r.id, p.consecutive_runs + 1);
      continue when v_streak <> p.consecutive_runs;
      v_reason := case when b.flow_id is not null and b.type = 'flow_broken'
                       then format('sent because the %s flow failed %s %s in a row', b.flow_name, p.consecutive_runs, v_runs_word)
                       else format('sent because it was seen %s %s in a row', p.consecutive_runs, v_runs_word) end;
    end if;
    v_decision := 'sent';

    -- Flapping: the flow keeps flipping, so this failure is one more flip, not news.
    if p.flap_flips is not null and b.type = 'flow_broken' and b.flow_id is not null then
      v_flips := private.flow_flips(b.flow_id, p_at, p.flap_window_days);
      if v_flips >= p.flap_flips then
        v_decision := 'suppressed';
        v_reason := format('not sent on its own: the %s flow is flapping (%s flips between passed and failed in %s days)',
                           b.flow_name, v_flips, p.flap_window_days);
        if not b.flow_id = any (v_noticed) and not exists (
             select 1 from public.alert_decisions d
              where d.flow_id = b.flow_id and d.bug_id is null and d.decided_at > p_at - make_interval(days => p.flap_window_days)) then
          v_noticed := v_noticed || b.flow_id;
          insert into public.alert_decisions (site_id, run_id, flow_id, decision, severity, reason, details, decided_at)
          values (r.site_id, r.id, b.flow_id,
                  case when v_quiet and b.severity <> 'P0' then 'held' else 'flapping' end, b.severity,
                  format('the %s flow flipped between passed and failed %s times in %s days: reported once as flapping instead of alerting on each flip%s',
                         b.flow_name, v_flips, p.flap_window_days,
                         case when v_quiet and b.severity <> 'P0' then format('; held for the next daily briefing (%s)', v_quiet_words) else '' end),
                  jsonb_build_object('flowName', b.flow_name, 'flips', v_flips, 'windowDays', p.flap_window_days),
                  p_at);
        end if;
      end if;
    end if;

    if v_decision = 'sent' and v_quiet then
      if b.severity = 'P0' then
        v_reason := v_reason || format(' (a P0 alerts even during %s)', v_quiet_words);
      else
        v_decision := 'held';
        v_reason := format('held for the next daily briefing: found during %s, and only P0 alerts then', v_quiet_words);
      end if;
    end if;

    insert into public.alert_decisions (site_id, run_id, bug_id, flow_id, episode, decision, severity, reason, decided_at)
    values (r.site_id, r.id, b.id, b.flow_id, b.times_regressed, v_decision, b.severity, v_reason, p_at)
    on conflict do nothing;
  end loop;

  -- The run's instant row says what was decided for this run (now or by an earlier call: the same
  -- answer however often the policy is applied).
  select coalesce(array_agg(d.bug_id order by bg.severity, bg.first_seen_at, bg.id), '{}'),
         coalesce(jsonb_object_agg(d.bug_id::text, d.reason), '{}')
    into v_send, v_reasons
    from public.alert_decisions d join public.bugs bg on bg.id = d.bug_id
   where d.run_id = r.id and d.decision = 'sent';
  select coalesce(jsonb_agg(jsonb_build_object('flowId', d.flow_id, 'flowName', d.details ->> 'flowName',
                                               'flips', (d.details ->> 'flips')::integer, 'windowDays', (d.details ->> 'windowDays')::integer,
                                               'severity', d.severity, 'reason', d.reason) order by d.decided_at, d.id), '[]')
    into v_flapping
    from public.alert_decisions d
   where d.run_id = r.id and d.bug_id is null and d.decision = 'flapping';

  if cardinality(v_send) > 0 or jsonb_array_length(v_flapping) > 0 then
    v_deploy := coalesce(r.deploy_event_id, (
      select d.id from public.deploy_events d
       where d.site_id = r.site_id and d.received_at <= r.created_at and d.received_at > r.created_at - interval '24 hours'
       order by d.received_at desc limit 1));
    insert into public.notification_outbox (site_id, kind, period_key, run_id, payload)
    values (r.site_id, 'instant', r.id::text, r.id,
            jsonb_build_object('runId', r.id, 'bugIds', to_jsonb(v_send), 'deployEventId', v_deploy,
                               'reasons', v_reasons, 'flapping', v_flapping, 'policy', private.alert_policy_words(r.site_id)))
    on conflict (site_id, kind, period_key) do update
       set payload = excluded.payload
     where public.notification_outbox.status = 'pending' and public.notification_outbox.attempts = 0;
  else
    delete from public.notification_outbox o
     where o.site_id = r.site_id and o.kind = 'instant' and o.period_key = r.id::text and o.status = 'pending' and o.attempts = 0;
  end if;
  return jsonb_build_object('sent', to_jsonb(v_send), 'flapping', v_flapping, 'quiet', v_quiet);
end;
$$;
revoke all on function private.apply_alert_policy(uuid, timestamptz) from public, anon, authenticated;

create or replace function private.apply_alert_policy_on_finish() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  -- A policy that cannot be applied must not stop the run from finishing (DESIGN.md §8: a run that
  -- cannot be finalised fails alone): the alert then goes out as finalisation wrote it.
  begin
    perform private.apply_alert_policy(new.id, new.finished_at);
  exception when others then
    raise warning 'FlowLens: the alert policy of run % could not be applied (%); its alert goes out as finalisation wrote it', new.id, sqlerrm;
  end;
  return null;
end;
$$;
-- Deferred to the end of the finalising transaction, so the policy sees everything finalisation
-- wrote (bugs, occurrences, flow results, the outbox row) whatever order finalise_run writes them in.
create constraint trigger crawl_runs_alert_policy after update of finished_at on public.crawl_runs
  deferrable initially deferred
  for each row when (old.finished_at is null and new.finished_at is not null)
  execute function private.apply_alert_policy_on_finish();
