-- Alert channels (issue 18): Slack incoming webhooks and generic signed webhooks next to email,
-- delivered through the same outbox as email, exactly once per (site, kind, period, channel).
--
--   public.alert_channels        one row per channel of a site; its URL and signing secret are
--                                 write-only for clients (column privileges): members see the
--                                 channel, its hint and its health, never the URL
--   public.channel_deliveries    one row per (outbox row, channel) = per (site, kind, period, channel),
--                                 with its own attempts, backoff and lease
--   private.fan_out_to_channels  an outbox row gets one delivery per enabled channel that wants its kind
--   private.claim_channel_deliveries / private.finish_channel_delivery   for `notify`
--   public.channel_signing_secret  owners/admins read a webhook channel's signing secret
--
-- Email stays what it was: the outbox row itself, sent to notification_recipients. A channel that
-- keeps failing is marked `failing`, and one `channel_failing` outbox row emails the owners and
-- admins once per failing episode.

-- Channels ---------------------------------------------------------------------------------------------

create table public.alert_channels (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null constraint alert_channels_kind_valid check (kind in ('slack', 'webhook')),
  name text not null constraint alert_channels_name_length check (length(btrim(name)) between 1 and 80),
  -- The secret part: a Slack incoming-webhook URL is a bearer credential for the Slack channel.
  -- Never selectable by clients (grants below), never logged, never in an error message.
  url text not null constraint alert_channels_url_shape check (
    length(url) <= 2048 and url ~ '^https?://[^\s/?#@]+(/[^\s]*)?$'),
  -- What the dashboard shows instead: the host and the last four characters.
  url_hint text not null default '',
  -- HMAC key for generic webhooks (the deploy webhook's scheme, in the other direction).
  signing_secret text not null default ('whsec_' || encode(extensions.gen_random_bytes(32), 'hex')),
  enabled boolean not null default true,
  instant boolean not null default true,
  daily boolean not null default true,
  weekly boolean not null default false,
  status text not null default 'ok' constraint alert_channels_status_valid check (status in ('ok', 'failing')),
  consecutive_failures integer not null default 0,
  failing_since timestamptz,
  last_error text,
  last_success_at timestamptz,
  last_failure_at timestamptz,
  last_test_at timestamptz,
  created_by uuid references auth.users (id) on delete set null default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.alert_channels enable row level security;
create index alert_channels_site_id_idx on public.alert_channels (site_id);
create index alert_channels_organization_id_idx on public.alert_channels (organization_id);
create index alert_channels_created_by_idx on public.alert_channels (created_by);
create trigger alert_channels_org before insert or update on public.alert_channels
  for each row execute function private.set_organization_from_site();
create trigger alert_channels_touch before update on public.alert_channels
  for each row execute function private.touch_updated_at();

-- "hooks.slack.com/…Xy9Z": enough to tell channels apart, not enough to post to one.
create or replace function private.channel_url_hint(url text) returns text
language sql immutable
set search_path = ''
as $$
  select coalesce(substring(url from '^https?://([^/?#:]+)'), '?') || '/…' || right(url, 4)
$$;

-- A new URL gets a new hint and a clean bill of health (the admin fixed it, or it is another channel).
create or replace function private.alert_channel_url_changed() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  if tg_op = 'INSERT' or new.url is distinct from old.url then
    new.url_hint := private.channel_url_hint(new.url);
    if tg_op = 'UPDATE' then
      new.status := 'ok';
      new.consecutive_failures := 0;
      new.failing_since := null;
      new.last_error := null;
    end if;
  end if;
  return new;
end;
$$;
create trigger alert_channels_url before insert or update on public.alert_channels
  for each row execute function private.alert_channel_url_changed();

-- Clients write the URL but never read it back; the health columns are the sender's.
revoke select, insert, update on public.alert_channels from anon, authenticated;
grant select (id, site_id, organization_id, kind, name, url_hint, enabled, instant, daily, weekly, status,
              consecutive_failures, failing_since, last_error, last_success_at, last_failure_at, last_test_at,
              created_by, created_at, updated_at)
  on public.alert_channels to authenticated;
grant insert (site_id, organization_id, kind, name, url, enabled, instant, daily, weekly) on public.alert_channels to authenticated;
grant update (name, url, enabled, instant, daily, weekly) on public.alert_channels to authenticated;

create policy "Members can see their sites' alert channels" on public.alert_channels
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Owners and admins can add alert channels" on public.alert_channels
  for insert to authenticated
  with check (organization_id = any ((select private.admin_org_ids())::uuid[]));
create policy "Owners and admins can change alert channels" on public.alert_channels
  for update to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]))
  with check (organization_id = any ((select private.admin_org_ids())::uuid[]));
create policy "Owners and admins can remove alert channels" on public.alert_channels
  for delete to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]));

-- Owners and admins configure their receiver with the signing secret, so they may read it (like the
-- deploy webhook's secret); members may not.
create or replace function public.channel_signing_secret(target_channel uuid) returns text
language plpgsql stable security definer
set search_path = ''
as $$
declare
  secret text;
begin
  select c.signing_secret into secret from public.alert_channels c
   where c.id = target_channel and c.organization_id = any (private.admin_org_ids());
  if secret is null then
    raise exception 'No such channel, or you are not an owner or admin of its organisation.' using errcode = '42501';
  end if;
  return secret;
end;
$$;
revoke all on function public.channel_signing_secret(uuid) from public, anon;
grant execute on function public.channel_signing_secret(uuid) to authenticated, service_role;

-- Deliveries -------------------------------------------------------------------------------------------

-- The outbox learns one more kind: the "your channel keeps failing" email to owners and admins.
alter table public.notification_outbox drop constraint notification_outbox_kind_valid;
alter table public.notification_outbox add constraint notification_outbox_kind_valid
  check (kind in ('instant', 'daily', 'weekly', 'channel_failing'));

create table public.channel_deliveries (
  id uuid primary key default gen_random_uuid(),
  outbox_id uuid not null references public.notification_outbox (id) on delete cascade,
  channel_id uuid not null references public.alert_channels (id) on delete cascade,
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  kind text not null,
  period_key text not null,
  status text not null default 'pending' constraint channel_deliveries_status_valid check (status in ('pending', 'sending', 'sent', 'failed', 'skipped')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  locked_by text,
  locked_until timestamptz,
  -- The receiver's last answer: HTTP status and the first characters of its body (Slack says why in
  -- it: no_service, invalid_payload …). last_error never contains the channel URL.
  last_status integer,
  last_answer text,
  last_error text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  unique (site_id, kind, period_key, channel_id),
  unique (outbox_id, channel_id)
);
alter table public.channel_deliveries enable row level security;
create index channel_deliveries_organization_id_idx on public.channel_deliveries (organization_id);
create index channel_deliveries_channel_id_idx on public.channel_deliveries (channel_id, created_at desc);
create index channel_deliveries_due_idx on public.channel_deliveries (next_attempt_at) where status in ('pending', 'sending');
create trigger channel_deliveries_org before insert or update on public.channel_deliveries
  for each row execute function private.set_organization_from_site();

create policy "Members can see what was sent to their channels" on public.channel_deliveries
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Every alert, briefing and summary written to the outbox also goes to each enabled channel that
-- wants that kind. The unique (site, kind, period, channel) makes a second outbox write harmless.
create or replace function private.fan_out_to_channels() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.kind in ('instant', 'daily', 'weekly') then
    insert into public.channel_deliveries (outbox_id, channel_id, site_id, organization_id, kind, period_key, next_attempt_at)
    select new.id, c.id, new.site_id, new.organization_id, new.kind, new.period_key, new.next_attempt_at
      from public.alert_channels c
     where c.site_id = new.site_id and c.enabled
       and case new.kind when 'instant' then c.instant when 'daily' then c.daily else c.weekly end
    on conflict do nothing;
  end if;
  return null;
end;
$$;
create trigger notification_outbox_fan_out after insert on public.notification_outbox
  for each row execute function private.fan_out_to_channels();

-- Like private.claim_notifications: due rows, or rows whose sender's lease expired; SKIP LOCKED so
-- concurrent senders never take the same delivery. A channel disabled meanwhile is skipped.
create or replace function private.claim_channel_deliveries(
  worker text, p_at timestamptz default now(), max_rows integer default 20, lease interval default '5 minutes', only_sites uuid[] default null
)
returns setof public.channel_deliveries
language plpgsql security definer
set search_path = ''
as $$
begin
  update public.channel_deliveries d
     set status = 'skipped', last_error = 'the channel was disabled or stopped wanting this kind'
    from public.alert_channels c
   where c.id = d.channel_id and d.status = 'pending' and d.next_attempt_at <= p_at
     and (only_sites is null or d.site_id = any (only_sites))
     and not (c.enabled and case d.kind when 'instant' then c.instant when 'daily' then c.daily else c.weekly end);

  return query
  update public.channel_deliveries o
     set status = 'sending', locked_by = worker, locked_until = p_at + lease, attempts = o.attempts + 1
   where o.id in (
     select c.id from public.channel_deliveries c
      where ((c.status = 'pending' and c.next_attempt_at <= p_at)
             or (c.status = 'sending' and c.locked_until < p_at))
        and (only_sites is null or c.site_id = any (only_sites))
      order by c.next_attempt_at
      limit max_rows
      for update skip locked)
  returning o.*;
end;
$$;
revoke all on function private.claim_channel_deliveries(text, timestamptz, integer, interval, uuid[]) from public, anon, authenticated;

-- How many failed attempts in a row make a channel `failing` (a permanent refusal such as Slack's
-- 404 no_service does at once).
create or replace function private.channel_failing_after() returns integer
language sql immutable
set search_path = ''
as $$ select 3 $$;

-- Records one attempt's outcome on the delivery and on its channel's health:
--   outcome 'sent'    delivered: the channel is healthy again
--   outcome 'retry'   5xx, 429, timeout, network: back to pending until p_next
--   outcome 'failed'  given up (a 4xx the receiver will not change its mind about, or out of attempts)
--   outcome 'skipped' nothing to say (e.g. a briefing for a site with no score yet)
-- Returns the channel's status afterwards. When a channel turns failing, one `channel_failing`
-- outbox row (unique per channel and failing episode) emails its site's owners and admins.
create or replace function private.finish_channel_delivery(
  p_delivery uuid, p_worker text, p_outcome text, p_status integer, p_answer text, p_error text,
  p_next timestamptz, p_permanent boolean, p_at timestamptz default now()
) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  d public.channel_deliveries;
  ch public.alert_channels;
begin
  update public.channel_deliveries
     set status = case p_outcome when 'retry' then 'pending' else p_outcome end,
         last_status = p_status, last_answer = left(p_answer, 500), last_error = left(p_error, 500),
         next_attempt_at = coalesce(p_next, next_attempt_at), locked_by = null, locked_until = null,
         sent_at = case when p_outcome = 'sent' then p_at else sent_at end
   where id = p_delivery and locked_by = p_worker
  returning * into d;
  if d.id is null then
    return null; -- the lease was lost: another sender owns the row now
  end if;
  if p_outcome = 'skipped' then
    return (select status from public.alert_channels where id = d.channel_id);
  end if;
  if p_outcome = 'sent' then
    update public.alert_channels
       set status = 'ok', consecutive_failures = 0, failing_since = null, last_error = null, last_success_at = p_at
     where id = d.channel_id
    returning * into ch;
    return ch.status;
  end if;
  update public.alert_channels
     set consecutive_failures = consecutive_failures + 1, last_error = left(p_error, 500), last_failure_at = p_at,
         status = case when p_permanent or consecutive_failures + 1 >= private.channel_failing_after() then 'failing' else status end,
         failing_since = case when failing_since is null and (p_permanent or consecutive_failures + 1 >= private.channel_failing_after())
                              then p_at else failing_since end
   where id = d.channel_id
  returning * into ch;
  if ch.status = 'failing' then
    insert into public.notification_outbox (site_id, kind, period_key, payload, next_attempt_at)
    values (ch.site_id, 'channel_failing', ch.id::text || '@' || to_char(ch.failing_since at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
            jsonb_build_object('channelId', ch.id, 'channelName', ch.name, 'channelKind', ch.kind, 'urlHint', ch.url_hint,
                               'error', left(p_error, 300), 'failures', ch.consecutive_failures),
            p_at)
    on conflict (site_id, kind, period_key) do nothing;
  end if;
  return ch.status;
end;
$$;
revoke all on function private.finish_channel_delivery(uuid, text, text, integer, text, text, timestamptz, boolean, timestamptz) from public, anon, authenticated;

-- "Send a test" from the dashboard: a successful test is proof the channel works again.
create or replace function private.record_channel_test(p_channel uuid, p_ok boolean, p_error text, p_at timestamptz default now())
returns void
language sql security definer
set search_path = ''
as $$
  update public.alert_channels
     set last_test_at = p_at,
         status = case when p_ok then 'ok' else status end,
         consecutive_failures = case when p_ok then 0 else consecutive_failures end,
         failing_since = case when p_ok then null else failing_since end,
         last_error = case when p_ok then null else left(p_error, 500) end,
         last_success_at = case when p_ok then p_at else last_success_at end
   where id = p_channel
$$;
revoke all on function private.record_channel_test(uuid, boolean, text, timestamptz) from public, anon, authenticated;
