-- External recipients confirm by a link before any alert reaches them (issue 14, docs/limits.md).
--
-- An owner or admin may add any address to a site's email recipients. Without consent that makes
-- FlowLens a way to mail strangers, so a recipient that is not a member's own address is
-- "awaiting confirmation" until the person behind it opens the link of a confirmation email and
-- presses "Confirm"; notify sends nothing else to it until then.
--
--   confirmed_at               when the address confirmed (members' own addresses: when added)
--   confirmation_requested_at  a confirmation email is wanted (set on add, on a new address, on resend)
--   confirmation_sent_at       when notify sent it (null while it is still to be sent)
--   confirmation_requested_by  the owner or admin who added or re-sent it (named in the email)
--
-- Upgrade decision: rows that exist when this migration runs stay confirmed. They were added
-- under the old rules, every email they received carried an unsubscribe link, and silencing
-- them on upgrade would drop alerts someone relies on without telling anyone.

alter table public.notification_recipients
  add column confirmed_at timestamptz,
  add column confirmation_requested_at timestamptz,
  add column confirmation_sent_at timestamptz,
  add column confirmation_requested_by uuid references auth.users (id) on delete set null;

update public.notification_recipients set confirmed_at = created_at where confirmed_at is null;

create index notification_recipients_confirmation_due_idx on public.notification_recipients (confirmation_requested_at)
  where confirmed_at is null and confirmation_requested_at is not null and confirmation_sent_at is null;

insert into private.limits (name, max_count, window_seconds, description) values
  ('confirmation_emails_per_recipient', 3, 3600, 'confirmation emails to one external recipient per hour (adding it counts)'),
  ('confirmation_emails_per_org', 30, 3600, 'confirmation emails one organisation makes FlowLens send per hour');

-- A member's own address: the row names a member of the organisation and carries their address.
create or replace function private.is_members_own_address(p_user uuid, p_org uuid, p_email text) returns boolean
language sql stable security definer
set search_path = ''
as $$
  select p_user is not null and exists (
    select 1 from public.organization_members m
     where m.user_id = p_user and m.organization_id = p_org and lower(m.email) = lower(p_email))
$$;
revoke all on function private.is_members_own_address(uuid, uuid, text) from public, anon, authenticated;

-- Counts one confirmation email against both limits; refuses (429 through PostgREST) past either.
create or replace function private.take_confirmation_email(p_recipient uuid, p_org uuid) returns void
language plpgsql security definer
set search_path = ''
as $$
declare
  per_recipient record;
  per_org record;
begin
  select * into per_org from private.take_rate('confirmation_emails_per_org', p_org::text, p_org);
  if not per_org.allowed then
    perform private.refuse(
      format('This organisation has asked for %s confirmation emails in the last hour, the most FlowLens sends; try again in %s minutes.',
             per_org.max_count, ceil(per_org.retry_after / 60.0)::integer),
      per_org.retry_after, 'confirmation_limit');
  end if;
  select * into per_recipient from private.take_rate('confirmation_emails_per_recipient', p_recipient::text, p_org);
  if not per_recipient.allowed then
    perform private.refuse(
      format('FlowLens has sent this address %s confirmation emails in the last hour; send another in %s minutes.',
             per_recipient.max_count, ceil(per_recipient.retry_after / 60.0)::integer),
      per_recipient.retry_after, 'confirmation_limit');
  end if;
end;
$$;
revoke all on function private.take_confirmation_email(uuid, uuid) from public, anon, authenticated;

-- Who may set the confirmation columns: the functions' own connection (no JWT: confirm-recipient,
-- notify, an operator) and public.resend_recipient_confirmation, which marks its transaction.
-- A client's insert or update never confirms an address: the trigger decides.
create or replace function private.recipient_confirmation() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  caller uuid := (select auth.uid());
  trusted boolean := caller is null or coalesce(current_setting('flowlens.confirmation_write', true), '') = 'on';
  own boolean := private.is_members_own_address(new.user_id, new.organization_id, new.email);
begin
  if tg_op = 'UPDATE' and new.email is not distinct from old.email and new.user_id is not distinct from old.user_id then
    if not trusted then
      new.confirmed_at := old.confirmed_at;
      new.confirmation_requested_at := old.confirmation_requested_at;
      new.confirmation_sent_at := old.confirmation_sent_at;
      new.confirmation_requested_by := old.confirmation_requested_by;
    end if;
    return new;
  end if;

  -- A new row, or a row pointed at another address (which resets its confirmation).
  if own then
    new.confirmed_at := coalesce(case when tg_op = 'INSERT' then new.confirmed_at end, now());
    new.confirmation_requested_at := null;
    new.confirmation_sent_at := null;
    return new;
  end if;
  if caller is not null or tg_op = 'UPDATE' then
    new.confirmed_at := null;
  end if;
  if new.confirmed_at is null then
    -- The service role may insert a row already confirmed (an operator importing addresses that
    -- consented elsewhere); anything else asks the address.
    new.confirmation_requested_at := now();
    new.confirmation_sent_at := null;
    new.confirmation_requested_by := caller;
    if caller is not null then
      perform private.take_confirmation_email(new.id, new.organization_id);
    end if;
  end if;
  return new;
end;
$$;
-- After notification_recipients_org (organization_id is set) and before the member guard.
create trigger notification_recipients_zy_confirmation before insert or update on public.notification_recipients
  for each row execute function private.recipient_confirmation();

-- Someone who joins the organisation with an address already on a site's list (added earlier as
-- an outside address) has shown it is theirs: that row counts as confirmed from then on.
create or replace function private.confirm_joining_member_address() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.email is not null then
    perform set_config('flowlens.confirmation_write', 'on', true);
    update public.notification_recipients
       set confirmed_at = now(), confirmation_requested_at = null, confirmation_sent_at = null
     where organization_id = new.organization_id and email = lower(new.email) and confirmed_at is null;
    perform set_config('flowlens.confirmation_write', 'off', true);
  end if;
  return new;
end;
$$;
create trigger organization_members_confirm_address after insert on public.organization_members
  for each row execute function private.confirm_joining_member_address();

-- "Resend" in the dashboard: owners and admins of the site's organisation, for an address that has
-- not confirmed yet; counted against both limits. notify sends it on its next call.
create or replace function public.resend_recipient_confirmation(target_recipient uuid) returns timestamptz
language plpgsql security definer
set search_path = ''
as $$
declare
  r public.notification_recipients;
begin
  select * into r from public.notification_recipients where id = target_recipient;
  if r.id is null or not (r.organization_id = any (private.admin_org_ids())) then
    raise exception 'Only owners and admins of the site''s organisation can resend a confirmation email.' using errcode = '42501';
  end if;
  if r.confirmed_at is not null then
    raise exception '% has already confirmed.', r.email using errcode = '22023';
  end if;
  perform private.take_confirmation_email(r.id, r.organization_id);
  perform set_config('flowlens.confirmation_write', 'on', true);
  update public.notification_recipients
     set confirmation_requested_at = now(), confirmation_sent_at = null, confirmation_requested_by = (select auth.uid())
   where id = r.id;
  perform set_config('flowlens.confirmation_write', 'off', true);
  return now();
end;
$$;
revoke all on function public.resend_recipient_confirmation(uuid) from public, anon;
grant execute on function public.resend_recipient_confirmation(uuid) to authenticated;

-- notify: claims confirmation emails to send (marking them sent; a failed send puts them back).
-- FOR UPDATE SKIP LOCKED: racing notify calls never send one twice.
create or replace function private.claim_recipient_confirmations(p_at timestamptz, max_rows integer default 20, only_sites uuid[] default null)
returns table (id uuid, site_id uuid, email text, requested_by uuid)
language plpgsql security definer
set search_path = ''
as $$
begin
  return query
  update public.notification_recipients r
     set confirmation_sent_at = p_at
   where r.id in (
     select c.id from public.notification_recipients c
      where c.confirmed_at is null and c.confirmation_requested_at is not null and c.confirmation_sent_at is null
        and (only_sites is null or c.site_id = any (only_sites))
      order by c.confirmation_requested_at
      limit max_rows
      for update skip locked)
  returning r.id, r.site_id, r.email, r.confirmation_requested_by;
end;
$$;
revoke all on function private.claim_recipient_confirmations(timestamptz, integer, uuid[]) from public, anon, authenticated;
