-- A per-site daily cap on alert emails, with an "and N more" email instead of silence (issue 14,
-- docs/limits.md).
--
-- A site whose crawls find new P0/P1 bugs all day would otherwise send one instant alert per run.
-- notify asks private.reserve_instant_email before sending an instant alert: the first
-- `alert_emails_per_site_day` alerts of the site's local day go out as usual; every later one of
-- that day is held (status 'over_cap', held_in = the day's overflow row) and the day's single
-- 'alert_overflow' outbox row, due when the site's local day ends, sends one email listing them.
-- Nothing is dropped, and the overflow row's unique (site, kind, period) sends it exactly once.
--
-- The cap counts alerts (outbox rows), not addresses: each alert still reaches every recipient.
-- Slack and webhook channels are not capped (they are the tenant's own systems, not our mail).

insert into private.limits (name, max_count, window_seconds, description) values
  ('alert_emails_per_site_day', 10, 86400,
   'instant alert emails of one site per local day; later ones that day go out together in one "and N more" email');

alter table public.notification_outbox drop constraint notification_outbox_kind_valid;
alter table public.notification_outbox add constraint notification_outbox_kind_valid
  check (kind in ('instant', 'daily', 'weekly', 'channel_failing', 'alert_overflow'));
alter table public.notification_outbox drop constraint notification_outbox_status_valid;
alter table public.notification_outbox add constraint notification_outbox_status_valid
  check (status in ('pending', 'sending', 'sent', 'failed', 'skipped', 'over_cap'));

alter table public.notification_outbox
  -- instant: the site-local day whose cap this alert counted against (set once, when reserved)
  add column counted_on date,
  -- instant held over the cap: the overflow row that carries it
  add column held_in uuid references public.notification_outbox (id) on delete set null,
  -- alert_overflow: set when its sender took the list of held alerts; later alerts of that day are sent on their own
  add column sealed_at timestamptz;

create index notification_outbox_counted_idx on public.notification_outbox (site_id, counted_on) where kind = 'instant' and counted_on is not null;
create index notification_outbox_held_in_idx on public.notification_outbox (held_in) where held_in is not null;

-- One lock per site for the cap's bookkeeping: reserving and sealing are serialised, so the count
-- is exact with any number of notify calls and no alert is held into an overflow already sent.
create or replace function private.lock_alert_cap(p_site uuid) returns void
language sql
set search_path = ''
as $$
  select pg_advisory_xact_lock(hashtextextended('flowlens-alert-cap:' || p_site::text, 0));
$$;
revoke all on function private.lock_alert_cap(uuid) from public, anon, authenticated;

-- 'send' (counted against today's cap, or counted before: a retry) or 'held' (the row is now
-- over_cap and the day's overflow row exists). Called by notify for a row it has claimed.
create or replace function private.reserve_instant_email(p_outbox uuid, p_at timestamptz) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  o public.notification_outbox;
  tz text;
  day date;
  cap integer;
  used integer;
  overflow public.notification_outbox;
begin
  select * into o from public.notification_outbox where id = p_outbox;
  if o.id is null or o.kind <> 'instant' then
    raise exception 'reserve_instant_email needs an instant outbox row.' using errcode = '22023';
  end if;
  if o.counted_on is not null then
    return 'send';
  end if;
  perform private.lock_alert_cap(o.site_id);
  select s.timezone into tz from public.sites s where s.id = o.site_id;
  day := (p_at at time zone coalesce(tz, 'UTC'))::date;
  cap := coalesce((select l.max_count from private.limit_of('alert_emails_per_site_day', o.organization_id) l), 10);
  select count(*) into used from public.notification_outbox c
   where c.site_id = o.site_id and c.kind = 'instant' and c.counted_on = day;
  select * into overflow from public.notification_outbox c
   where c.site_id = o.site_id and c.kind = 'alert_overflow' and c.period_key = day::text;
  if used < cap or overflow.sealed_at is not null then
    update public.notification_outbox set counted_on = day where id = o.id;
    return 'send';
  end if;
  if overflow.id is null then
    insert into public.notification_outbox (site_id, kind, period_key, payload, next_attempt_at)
    values (o.site_id, 'alert_overflow', day::text,
            jsonb_build_object('localDate', day::text, 'timezone', coalesce(tz, 'UTC'), 'cap', cap),
            ((day + 1)::timestamp at time zone coalesce(tz, 'UTC')))
    returning * into overflow;
  end if;
  update public.notification_outbox
     set status = 'over_cap', held_in = overflow.id, locked_by = null, locked_until = null,
         last_error = format('held: %s alert emails were already sent for this site on %s (the daily cap); it goes out in that day''s "and N more" email', cap, day)
   where id = o.id;
  return 'held';
end;
$$;
revoke all on function private.reserve_instant_email(uuid, timestamptz) from public, anon, authenticated;

-- The overflow's sender takes its list once: the row is sealed under the site's cap lock, so an
-- alert reserved after this is sent on its own instead of joining a list already read.
create or replace function private.seal_alert_overflow(p_overflow uuid) returns setof public.notification_outbox
language plpgsql security definer
set search_path = ''
as $$
declare
  site uuid;
begin
  select o.site_id into site from public.notification_outbox o where o.id = p_overflow and o.kind = 'alert_overflow';
  if site is null then
    raise exception 'seal_alert_overflow needs an alert_overflow outbox row.' using errcode = '22023';
  end if;
  perform private.lock_alert_cap(site);
  update public.notification_outbox set sealed_at = coalesce(sealed_at, now()) where id = p_overflow;
  return query select h.* from public.notification_outbox h where h.held_in = p_overflow order by h.created_at, h.id;
end;
$$;
revoke all on function private.seal_alert_overflow(uuid) from public, anon, authenticated;
