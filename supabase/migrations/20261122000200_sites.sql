-- FlowLens Site Context, part 2: the sites an organisation monitors, their secrets, credentials
-- and who hears about them.

-- Validation helpers ------------------------------------------------------------------------------

create or replace function private.is_timezone(tz text) returns boolean
language plpgsql immutable
set search_path = ''
as $$
begin
  perform now() at time zone tz;
  return true;
exception when invalid_parameter_value then
  return false;
end;
$$;

create or replace function private.is_origin(value text) returns boolean
language sql immutable
set search_path = ''
as $$
  select value ~ '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?$'
$$;

create or replace function private.all_origins(origins text[]) returns boolean
language sql immutable
set search_path = ''
as $$
  select coalesce(bool_and(private.is_origin(o)), true) from unnest(origins) as o
$$;

-- Sites -------------------------------------------------------------------------------------------

create table public.sites (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null constraint sites_name_length check (char_length(btrim(name)) between 1 and 120),
  base_url text not null constraint sites_base_url_format check (base_url ~ '^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s?#]*)?$'),
  allowed_origins text[] not null default '{}' constraint sites_allowed_origins_format check (private.all_origins(allowed_origins)),
  timezone text not null default 'UTC' constraint sites_timezone_valid check (private.is_timezone(timezone)),
  crawl_enabled boolean not null default true,
  crawl_time time not null default '02:00',
  -- ISO days of week (1 = Monday … 7 = Sunday) on which the scheduled crawl runs.
  crawl_days smallint[] not null default '{1,2,3,4,5,6,7}'
    constraint sites_crawl_days_valid check (crawl_days <@ '{1,2,3,4,5,6,7}'::smallint[] and cardinality(crawl_days) > 0),
  viewports text[] not null default '{desktop,tablet,mobile}'
    constraint sites_viewports_valid check (viewports <@ '{desktop,tablet,mobile}'::text[] and cardinality(viewports) > 0),
  -- How many same-origin pages the nightly crawl discovers beyond the flows (0 = flows only).
  discover_pages integer not null default 20 constraint sites_discover_pages_range check (discover_pages between 0 and 500),
  -- The crawler refuses private and loopback addresses unless a site is marked local (DESIGN.md §8).
  -- Clients cannot set this column (see the grants below): only the service role can.
  is_local boolean not null default false,
  created_by uuid references auth.users (id) on delete set null default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.sites enable row level security;
create index sites_organization_id_idx on public.sites (organization_id);
create index sites_created_by_idx on public.sites (created_by);
create trigger sites_touch before update on public.sites for each row execute function private.touch_updated_at();

revoke insert, update on public.sites from anon, authenticated;
grant insert (organization_id, name, base_url, allowed_origins, timezone, crawl_enabled, crawl_time, crawl_days, viewports, discover_pages)
  on public.sites to authenticated;
grant update (name, base_url, allowed_origins, timezone, crawl_enabled, crawl_time, crawl_days, viewports, discover_pages)
  on public.sites to authenticated;

create policy "Members can read their organisations' sites" on public.sites
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Owners and admins can add sites" on public.sites
  for insert to authenticated
  with check (organization_id = any ((select private.admin_org_ids())::uuid[]));
create policy "Owners and admins can change site settings" on public.sites
  for update to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]))
  with check (organization_id = any ((select private.admin_org_ids())::uuid[]));
create policy "Owners can delete sites" on public.sites
  for delete to authenticated
  using (organization_id = any ((select private.owner_org_ids())::uuid[]));

-- Site-scoped tables carry organization_id too, copied from their site by this trigger, so every
-- policy is one indexed comparison. The copy is authoritative: a client cannot point a row at
-- another organisation by sending a different organization_id.
create or replace function private.set_organization_from_site() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.site_id is distinct from old.site_id then
    raise exception 'A row cannot move to another site.' using errcode = 'check_violation';
  end if;
  select s.organization_id into new.organization_id from public.sites s where s.id = new.site_id;
  if new.organization_id is null then
    raise exception 'Site % does not exist.', new.site_id using errcode = 'foreign_key_violation';
  end if;
  return new;
end;
$$;

create or replace function private.member_site_ids() returns uuid[]
language sql stable security definer
set search_path = ''
as $$
  select coalesce(array_agg(s.id), '{}')
    from public.sites s
   where s.organization_id = any (private.member_org_ids())
$$;

create or replace function private.admin_site_ids() returns uuid[]
language sql stable security definer
set search_path = ''
as $$
  select coalesce(array_agg(s.id), '{}')
    from public.sites s
   where s.organization_id = any (private.admin_org_ids())
$$;
revoke all on function private.member_site_ids(), private.admin_site_ids() from public;
grant execute on function private.member_site_ids(), private.admin_site_ids() to anon, authenticated, service_role;

create or replace function private.try_uuid(value text) returns uuid
language plpgsql immutable
set search_path = ''
as $$
begin
  return value::uuid;
exception when invalid_text_representation then
  return null;
end;
$$;
grant execute on function private.try_uuid(text) to anon, authenticated, service_role;

-- Deploy-webhook secret ---------------------------------------------------------------------------
-- Kept apart from sites so members can read a site without seeing its secret.

create table public.site_secrets (
  site_id uuid primary key references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  webhook_secret text not null,
  rotated_at timestamptz not null default now()
);
alter table public.site_secrets enable row level security;
create index site_secrets_organization_id_idx on public.site_secrets (organization_id);

create policy "Owners and admins can reveal the webhook secret" on public.site_secrets
  for select to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]));

create or replace function private.new_webhook_secret() returns text
language sql volatile
set search_path = ''
as $$
  select 'whsec_' || encode(extensions.gen_random_bytes(32), 'hex')
$$;

create or replace function private.create_site_secret() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.site_secrets (site_id, organization_id, webhook_secret)
  values (new.id, new.organization_id, private.new_webhook_secret());
  return new;
end;
$$;
create trigger sites_create_secret after insert on public.sites
  for each row execute function private.create_site_secret();

create or replace function public.rotate_webhook_secret(target_site uuid) returns text
language plpgsql security definer
set search_path = ''
as $$
declare
  secret text := private.new_webhook_secret();
begin
  if not (target_site = any (private.admin_site_ids())) then
    raise exception 'Only owners and admins of this site''s organisation can rotate its webhook secret.' using errcode = '42501';
  end if;
  update public.site_secrets set webhook_secret = secret, rotated_at = now() where site_id = target_site;
  return secret;
end;
$$;
revoke all on function public.rotate_webhook_secret(uuid) from public, anon;
grant execute on function public.rotate_webhook_secret(uuid) to authenticated, service_role;

-- Credentials for flows that sign in -------------------------------------------------------------
-- Values are encrypted by the `credentials` edge function (AES-GCM, key held only by that function
-- and the crawler) and written with the service role. Clients may list names, never ciphertext.

create table public.site_credentials (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null constraint site_credentials_name_format check (name ~ '^[A-Z0-9_]{1,64}$'),
  ciphertext text not null,
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (site_id, name)
);
alter table public.site_credentials enable row level security;
create index site_credentials_organization_id_idx on public.site_credentials (organization_id);
create trigger site_credentials_org before insert or update on public.site_credentials
  for each row execute function private.set_organization_from_site();
create trigger site_credentials_touch before update on public.site_credentials
  for each row execute function private.touch_updated_at();

revoke select, insert, update on public.site_credentials from anon, authenticated;
grant select (id, site_id, organization_id, name, created_by, created_at, updated_at) on public.site_credentials to authenticated;

create policy "Members can list which credentials a site has" on public.site_credentials
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Owners and admins can delete credentials" on public.site_credentials
  for delete to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]));

-- Who hears about a site ----------------------------------------------------------------------------
-- One row per recipient and site: members (user_id set) and extra addresses (user_id null), each
-- with their own instant / daily / weekly preferences. Unsubscribe links flip these flags.

create table public.notification_recipients (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid references auth.users (id) on delete cascade,
  email text not null constraint notification_recipients_email_format check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and email = lower(email)),
  instant boolean not null default true,
  daily boolean not null default true,
  weekly boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (site_id, email)
);
alter table public.notification_recipients enable row level security;
create index notification_recipients_organization_id_idx on public.notification_recipients (organization_id);
create index notification_recipients_user_id_idx on public.notification_recipients (user_id);
create trigger notification_recipients_org before insert or update on public.notification_recipients
  for each row execute function private.set_organization_from_site();
create trigger notification_recipients_touch before update on public.notification_recipients
  for each row execute function private.touch_updated_at();

create policy "Members can see who is notified" on public.notification_recipients
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Owners and admins can add recipients" on public.notification_recipients
  for insert to authenticated
  with check (organization_id = any ((select private.admin_org_ids())::uuid[]));
create policy "Admins change anyone's preferences, members their own" on public.notification_recipients
  for update to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]) or user_id = (select auth.uid()))
  with check (organization_id = any ((select private.admin_org_ids())::uuid[]) or user_id = (select auth.uid()));
create policy "Owners and admins can remove recipients" on public.notification_recipients
  for delete to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]));

-- Every member hears about every site of their organisation unless they opt out.
create or replace function private.add_members_as_recipients() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  insert into public.notification_recipients (site_id, organization_id, user_id, email)
  select new.id, new.organization_id, m.user_id, lower(m.email)
    from public.organization_members m
   where m.organization_id = new.organization_id and m.email is not null
  on conflict (site_id, email) do nothing;
  return new;
end;
$$;
create trigger sites_add_recipients after insert on public.sites
  for each row execute function private.add_members_as_recipients();

create or replace function private.add_member_to_site_recipients() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if new.email is not null then
    insert into public.notification_recipients (site_id, organization_id, user_id, email)
    select s.id, s.organization_id, new.user_id, lower(new.email)
      from public.sites s
     where s.organization_id = new.organization_id
    on conflict (site_id, email) do nothing;
  end if;
  return new;
end;
$$;
create trigger organization_members_add_recipients after insert on public.organization_members
  for each row execute function private.add_member_to_site_recipients();

create or replace function private.remove_member_recipients() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  delete from public.notification_recipients r
   where r.organization_id = old.organization_id and r.user_id = old.user_id;
  return old;
end;
$$;
create trigger organization_members_remove_recipients after delete on public.organization_members
  for each row execute function private.remove_member_recipients();
