-- FlowLens Site Context, part 1: organisations, their members and invitations.
--
-- Every table in FlowLens belongs to exactly one organisation. Row-level security decides access
-- through SECURITY DEFINER helpers in the `private` schema (not exposed by the API), which return
-- the caller's organisation ids as an array once per statement: policies compare
-- `organization_id = any ((select private.…())::uuid[])`, so Postgres evaluates the helper once
-- (an InitPlan) and can use the index on organization_id — fast even with millions of rows.
--
-- Roles: owner (everything, incl. deleting the organisation and managing owners), admin (sites,
-- settings, members and invitations), member (reads everything; records flows; acts on bugs).

create schema if not exists private;
grant usage on schema private to anon, authenticated, service_role;

-- Shared trigger helpers --------------------------------------------------------------------------

create or replace function private.touch_updated_at() returns trigger
language plpgsql
set search_path = ''
as $$
begin
  new.updated_at := now();
  return new;
end;
$$;

-- Organisations -----------------------------------------------------------------------------------

create type public.member_role as enum ('owner', 'admin', 'member');

create table public.organizations (
  id uuid primary key default gen_random_uuid(),
  name text not null constraint organizations_name_length check (char_length(btrim(name)) between 1 and 120),
  created_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
alter table public.organizations enable row level security;
create index organizations_created_by_idx on public.organizations (created_by);
create trigger organizations_touch before update on public.organizations
  for each row execute function private.touch_updated_at();

create table public.organization_members (
  organization_id uuid not null references public.organizations (id) on delete cascade,
  user_id uuid not null references auth.users (id) on delete cascade,
  role public.member_role not null default 'member',
  -- Copied from auth.users (which the API does not expose) so member lists can show who is who.
  email text,
  created_at timestamptz not null default now(),
  primary key (organization_id, user_id)
);
alter table public.organization_members enable row level security;
create index organization_members_user_id_idx on public.organization_members (user_id);
create index organization_members_role_idx on public.organization_members (organization_id, role);

-- Membership helpers (SECURITY DEFINER: they read organization_members without recursing into its
-- own policies). Wrapped as `(select …)` in policies so they run once per statement.

create or replace function private.member_org_ids() returns uuid[]
language sql stable security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.organization_id), '{}')
    from public.organization_members m
   where m.user_id = (select auth.uid())
$$;

create or replace function private.admin_org_ids() returns uuid[]
language sql stable security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.organization_id), '{}')
    from public.organization_members m
   where m.user_id = (select auth.uid()) and m.role in ('owner', 'admin')
$$;

create or replace function private.owner_org_ids() returns uuid[]
language sql stable security definer
set search_path = ''
as $$
  select coalesce(array_agg(m.organization_id), '{}')
    from public.organization_members m
   where m.user_id = (select auth.uid()) and m.role = 'owner'
$$;

revoke all on function private.member_org_ids(), private.admin_org_ids(), private.owner_org_ids() from public;
grant execute on function private.member_org_ids(), private.admin_org_ids(), private.owner_org_ids() to anon, authenticated, service_role;

create policy "Members can read their organisations" on public.organizations
  for select to authenticated
  using (id = any ((select private.member_org_ids())::uuid[]));
-- No insert policy: organisations are created through public.create_organization(), which also
-- makes the creator its owner in the same transaction.
create policy "Owners and admins can rename their organisation" on public.organizations
  for update to authenticated
  using (id = any ((select private.admin_org_ids())::uuid[]))
  with check (id = any ((select private.admin_org_ids())::uuid[]));
create policy "Owners can delete their organisation" on public.organizations
  for delete to authenticated
  using (id = any ((select private.owner_org_ids())::uuid[]));

create policy "Members can see who else is in their organisations" on public.organization_members
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Owners and admins can add members, only owners can add owners" on public.organization_members
  for insert to authenticated
  with check (
    organization_id = any ((select private.admin_org_ids())::uuid[])
    and (role <> 'owner' or organization_id = any ((select private.owner_org_ids())::uuid[]))
  );
create policy "Owners can change roles" on public.organization_members
  for update to authenticated
  using (organization_id = any ((select private.owner_org_ids())::uuid[]))
  with check (organization_id = any ((select private.owner_org_ids())::uuid[]));
create policy "Admins remove non-owners, owners remove anyone, everyone can leave" on public.organization_members
  for delete to authenticated
  using (
    user_id = (select auth.uid())
    or organization_id = any ((select private.owner_org_ids())::uuid[])
    or (role <> 'owner' and organization_id = any ((select private.admin_org_ids())::uuid[]))
  );

-- Members only change role; who and where stay fixed.
revoke update on public.organization_members from anon, authenticated;
grant update (role) on public.organization_members to authenticated;

create or replace function private.fill_member_email() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  select u.email into new.email from auth.users u where u.id = new.user_id;
  return new;
end;
$$;
create trigger organization_members_fill_email before insert on public.organization_members
  for each row execute function private.fill_member_email();

-- An organisation always keeps at least one owner (deleting the organisation itself cascades).
create or replace function private.keep_an_owner() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if old.role = 'owner'
     and (tg_op = 'DELETE' or new.role <> 'owner')
     and exists (select 1 from public.organizations o where o.id = old.organization_id)
     and not exists (
       select 1 from public.organization_members m
        where m.organization_id = old.organization_id and m.role = 'owner' and m.user_id <> old.user_id
     ) then
    raise exception 'An organisation needs at least one owner: make someone else owner first.'
      using errcode = 'check_violation';
  end if;
  return coalesce(new, old);
end;
$$;
create trigger organization_members_keep_owner before update or delete on public.organization_members
  for each row execute function private.keep_an_owner();

create or replace function public.create_organization(org_name text) returns public.organizations
language plpgsql security definer
set search_path = ''
as $$
declare
  uid uuid := (select auth.uid());
  org public.organizations;
begin
  if uid is null then
    raise exception 'Sign in to create an organisation.' using errcode = '42501';
  end if;
  insert into public.organizations (name, created_by) values (org_name, uid) returning * into org;
  insert into public.organization_members (organization_id, user_id, role) values (org.id, uid, 'owner');
  return org;
end;
$$;
revoke all on function public.create_organization(text) from public, anon;
grant execute on function public.create_organization(text) to authenticated, service_role;

-- Invitations -------------------------------------------------------------------------------------
-- The token is shown once, to the admin who creates the invitation; only its SHA-256 is stored.

create table public.invitations (
  id uuid primary key default gen_random_uuid(),
  organization_id uuid not null references public.organizations (id) on delete cascade,
  email text not null constraint invitations_email_format check (email ~ '^[^@\s]+@[^@\s]+\.[^@\s]+$' and email = lower(email)),
  role public.member_role not null default 'member' constraint invitations_not_owner check (role <> 'owner'),
  token_hash text not null unique,
  invited_by uuid references auth.users (id) on delete set null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null default now() + interval '7 days',
  accepted_at timestamptz,
  accepted_by uuid references auth.users (id) on delete set null
);
alter table public.invitations enable row level security;
create index invitations_organization_id_idx on public.invitations (organization_id);
create unique index invitations_open_per_email on public.invitations (organization_id, email) where accepted_at is null;

create policy "Owners and admins can see invitations" on public.invitations
  for select to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]));
create policy "Owners and admins can revoke invitations" on public.invitations
  for delete to authenticated
  using (organization_id = any ((select private.admin_org_ids())::uuid[]));

create or replace function public.invite_member(org_id uuid, invitee_email text, invitee_role public.member_role default 'member')
returns table (invitation_id uuid, token text, expires_at timestamptz)
language plpgsql security definer
set search_path = ''
as $$
declare
  raw_token text := encode(extensions.gen_random_bytes(24), 'hex');
  inv public.invitations;
begin
  if not (org_id = any (private.admin_org_ids())) then
    raise exception 'Only owners and admins of this organisation can invite people.' using errcode = '42501';
  end if;
  -- A new invitation for the same address replaces the open one.
  delete from public.invitations i where i.organization_id = org_id and i.email = lower(btrim(invitee_email)) and i.accepted_at is null;
  insert into public.invitations (organization_id, email, role, token_hash, invited_by)
  values (org_id, lower(btrim(invitee_email)), invitee_role, encode(extensions.digest(raw_token, 'sha256'), 'hex'), (select auth.uid()))
  returning * into inv;
  return query select inv.id, raw_token, inv.expires_at;
end;
$$;
revoke all on function public.invite_member(uuid, text, public.member_role) from public, anon;
grant execute on function public.invite_member(uuid, text, public.member_role) to authenticated, service_role;

create or replace function public.accept_invitation(invitation_token text) returns uuid
language plpgsql security definer
set search_path = ''
as $$
declare
  uid uuid := (select auth.uid());
  inv public.invitations;
begin
  if uid is null then
    raise exception 'Sign in (or sign up) with the invited address to accept the invitation.' using errcode = '42501';
  end if;
  select * into inv from public.invitations i
   where i.token_hash = encode(extensions.digest(invitation_token, 'sha256'), 'hex')
   for update;
  if inv.id is null or inv.accepted_at is not null then
    raise exception 'This invitation link is not valid any more. Ask for a new one.' using errcode = 'P0002';
  end if;
  if inv.expires_at < now() then
    raise exception 'This invitation expired on %. Ask for a new one.', to_char(inv.expires_at, 'YYYY-MM-DD') using errcode = 'P0002';
  end if;
  if lower(coalesce((select auth.email()), '')) <> inv.email then
    raise exception 'This invitation is for %; sign in with that address to accept it.', inv.email using errcode = '42501';
  end if;
  insert into public.organization_members (organization_id, user_id, role)
  values (inv.organization_id, uid, inv.role)
  on conflict (organization_id, user_id) do nothing;
  update public.invitations set accepted_at = now(), accepted_by = uid where id = inv.id;
  return inv.organization_id;
end;
$$;
revoke all on function public.accept_invitation(text) from public, anon;
grant execute on function public.accept_invitation(text) to authenticated, service_role;
