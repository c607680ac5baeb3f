-- Edge function and invitation limits (issue 14, docs/limits.md). The functions count through
-- private.take_rate (20261203003100_run_limits.sql) over their database connection, so every
-- function instance shares the same counters.

insert into private.limits (name, max_count, window_seconds, description) values
  ('label_steps_per_user', 20, 60, 'label-steps (Claude) requests of one user per minute'),
  ('label_steps_per_user_day', 300, 86400, 'label-steps (Claude) requests of one user per day'),
  ('credentials_per_user', 30, 60, 'credentials function requests (store, list, remove) of one user per minute'),
  ('invitations_per_org', 20, 3600, 'invitations one organisation sends per hour');

-- label-steps: the organisation a user may label steps for, from the site (or the flow) the
-- request names; null when there is no such site or the user is not a member of its organisation.
create or replace function private.member_org_of(p_user uuid, p_site uuid, p_flow uuid default null) returns uuid
language sql stable security definer
set search_path = ''
as $$
  select s.organization_id
    from public.sites s
    join public.organization_members m on m.organization_id = s.organization_id and m.user_id = p_user
   where s.id = coalesce(p_site, (select f.site_id from public.flows f where f.id = p_flow))
     and (p_flow is null or exists (select 1 from public.flows f where f.id = p_flow and f.site_id = s.id))
$$;
revoke all on function private.member_org_of(uuid, uuid, uuid) from public, anon, authenticated;
grant execute on function private.member_org_of(uuid, uuid, uuid) to service_role;

-- Invitations: counted on every insert, whatever the path (invite_member or a direct insert by an
-- admin); a refusal is a 429 with Retry-After through PostgREST.
create or replace function private.limit_invitations() returns trigger
language plpgsql security definer
set search_path = ''
as $$
declare
  rate record;
begin
  select * into rate from private.take_rate('invitations_per_org', new.organization_id::text, new.organization_id);
  if not rate.allowed then
    perform private.refuse(
      format('This organisation has sent %s invitations in the last hour, the most FlowLens sends; invite again in %s minutes.',
             rate.max_count, ceil(rate.retry_after / 60.0)::integer),
      rate.retry_after, 'invitation_limit');
  end if;
  return new;
end;
$$;
create trigger invitations_rate_limit before insert on public.invitations
  for each row execute function private.limit_invitations();
