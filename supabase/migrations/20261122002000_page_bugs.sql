-- The overlay's question (issue 7): "which active bugs are on this page?", answered through RLS
-- with the user's session. One function so the extension, the walkthrough and the dashboard ask it
-- the same way; SECURITY INVOKER, so the caller's policies decide what it returns.
--
-- Active = new, active or regressed; not a false positive; not snoozed. A page's bugs are those
-- whose url_template is the page's template, plus site-wide ones ('*', e.g. a header issue).
-- The newest occurrence supplies the evidence the overlay shows (selector, screenshot, console).
--
-- A site the caller is not a member of is an error (P0002), not an empty list: the extension tells
-- "not yours / not monitored" apart from "no bugs here". The membership check is the same helper
-- the policies use; RLS still filters every row read below.

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
     and b.status in ('new', 'active', 'regressed')
     and not b.false_positive
     and (b.snoozed_until is null or b.snoozed_until <= now())
   order by b.severity, b.last_seen_at desc
   limit 200;
end;
$$;
revoke all on function public.page_bugs(uuid, text) from public, anon;
grant execute on function public.page_bugs(uuid, text) to authenticated, service_role;

-- Occurrences are read newest-first per bug by the function above and the dashboard's timeline.
create index if not exists bug_occurrences_bug_seen_idx on public.bug_occurrences (bug_id, seen_at desc);
