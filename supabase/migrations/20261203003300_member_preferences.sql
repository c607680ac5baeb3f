-- A member changes only their own notification preferences (issue 14, docs/limits.md): RLS
-- already limits a member's updates to their own recipient row; this also keeps them from
-- pointing that row's alerts at another address (or another user, or another site). Owners and
-- admins, the service role and the unsubscribe link (service role) are unaffected.

create or replace function private.guard_recipient_changes() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if (select auth.uid()) is null or old.organization_id = any (private.admin_org_ids()) then
    return new;
  end if;
  if new.email is distinct from old.email or new.user_id is distinct from old.user_id or new.site_id is distinct from old.site_id then
    raise exception 'You can change which alerts you receive, not the address they go to.'
      using errcode = '42501', hint = 'Your alerts go to the address you signed in with; an owner or admin can add another recipient for the site.';
  end if;
  return new;
end;
$$;
create trigger notification_recipients_zz_member_guard before update on public.notification_recipients
  for each row execute function private.guard_recipient_changes();
