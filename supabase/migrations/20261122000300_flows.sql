-- FlowLens Site Context, part 3: the flows the extension records, their steps, and the healed
-- selectors the crawler proposes back (stored for review, never silently applied).

create table public.flows (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  name text not null constraint flows_name_length check (char_length(btrim(name)) between 1 and 200),
  start_url text not null constraint flows_start_url_format check (start_url ~ '^https?://'),
  critical boolean not null default false,
  -- Bumped on every save; results and proposals remember which version they ran.
  version integer not null default 1,
  -- The core flow schema version (core/src/flow.ts) the steps were written with.
  schema_version integer not null default 1,
  source text not null default 'extension' constraint flows_source_valid check (source in ('extension', 'import', 'api')),
  created_by uuid references auth.users (id) on delete set null default auth.uid(),
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  unique (site_id, name)
);
alter table public.flows enable row level security;
create index flows_organization_id_idx on public.flows (organization_id);
create index flows_created_by_idx on public.flows (created_by);
create trigger flows_org before insert or update on public.flows
  for each row execute function private.set_organization_from_site();
create trigger flows_touch before update on public.flows for each row execute function private.touch_updated_at();

create policy "Members can read flows" on public.flows
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Members can record flows" on public.flows
  for insert to authenticated
  with check (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Members can edit flows" on public.flows
  for update to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]))
  with check (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Members can delete flows" on public.flows
  for delete to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Steps -------------------------------------------------------------------------------------------
-- Queryable and user-edited parts are columns; the rest of the core Step (selectors, element
-- metadata, page context, value, key, assertion, frame) is `data`, validated by core's zod schema
-- on the way in.

create table public.flow_steps (
  id uuid primary key default gen_random_uuid(),
  flow_id uuid not null references public.flows (id) on delete cascade,
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  position integer not null constraint flow_steps_position_positive check (position >= 0),
  action text not null constraint flow_steps_action_valid
    check (action in ('navigate', 'click', 'input', 'select', 'check', 'submit', 'keypress', 'scroll', 'waitFor', 'assert')),
  data jsonb not null default '{}' constraint flow_steps_data_object check (jsonb_typeof(data) = 'object'),
  label text not null default '',
  label_source text not null default 'template' constraint flow_steps_label_source_valid check (label_source in ('template', 'ai', 'user')),
  label_confidence real constraint flow_steps_label_confidence_range check (label_confidence between 0 and 1),
  instruction text,
  screenshot_path text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Deferred so a reorder can swap positions inside one transaction.
  constraint flow_steps_position_unique unique (flow_id, position) deferrable initially deferred,
  -- Last line of defence for secrets: what a password field recorded must be a placeholder.
  constraint flow_steps_password_is_placeholder check (
    coalesce(data #>> '{element,attributes,type}', '') <> 'password'
    or coalesce(data ->> 'value', '') = ''
    or data ->> 'value' ~ '^\{\{secret:[A-Z0-9_]+\}\}$'
  )
);
alter table public.flow_steps enable row level security;
create index flow_steps_organization_id_idx on public.flow_steps (organization_id);
create index flow_steps_site_id_idx on public.flow_steps (site_id);

create or replace function private.set_step_site_from_flow() returns trigger
language plpgsql security definer
set search_path = ''
as $$
begin
  if tg_op = 'UPDATE' and new.flow_id is distinct from old.flow_id then
    raise exception 'A step cannot move to another flow.' using errcode = 'check_violation';
  end if;
  select f.site_id, f.organization_id into new.site_id, new.organization_id from public.flows f where f.id = new.flow_id;
  if new.site_id is null then
    raise exception 'Flow % does not exist.', new.flow_id using errcode = 'foreign_key_violation';
  end if;
  return new;
end;
$$;
create trigger flow_steps_site before insert or update on public.flow_steps
  for each row execute function private.set_step_site_from_flow();
create trigger flow_steps_touch before update on public.flow_steps for each row execute function private.touch_updated_at();

create policy "Members can read steps" on public.flow_steps
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Members can add steps" on public.flow_steps
  for insert to authenticated
  with check (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Members can edit steps" on public.flow_steps
  for update to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]))
  with check (organization_id = any ((select private.member_org_ids())::uuid[]));
create policy "Members can delete steps" on public.flow_steps
  for delete to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Saving a whole flow at once -----------------------------------------------------------------------
-- SECURITY INVOKER: the caller's policies apply to every row it writes.
-- payload: { id?, site_id, name, start_url, critical, schema_version?, source?,
--            steps: [{ action, data, label, label_source, label_confidence, instruction, screenshot_path }] }
-- The payload is the whole flow as the editor holds it, labels the user edited included
-- (label_source = 'user'); later AI label passes never overwrite those (see label-steps).

create or replace function public.save_flow(payload jsonb) returns public.flows
language plpgsql security invoker
set search_path = ''
as $$
declare
  f public.flows;
  step jsonb;
  pos integer := 0;
begin
  if jsonb_typeof(payload -> 'steps') is distinct from 'array' then
    raise exception 'save_flow needs payload.steps as an array.' using errcode = '22023';
  end if;
  if payload ? 'id' and payload ->> 'id' is not null then
    update public.flows
       set name = payload ->> 'name',
           start_url = payload ->> 'start_url',
           critical = coalesce((payload ->> 'critical')::boolean, false),
           schema_version = coalesce((payload ->> 'schema_version')::integer, schema_version),
           version = version + 1
     where id = (payload ->> 'id')::uuid
    returning * into f;
    if f.id is null then
      raise exception 'Flow % does not exist or you cannot edit it.', payload ->> 'id' using errcode = 'P0002';
    end if;
    delete from public.flow_steps where flow_id = f.id;
  else
    insert into public.flows (site_id, name, start_url, critical, schema_version, source)
    values (
      (payload ->> 'site_id')::uuid,
      payload ->> 'name',
      payload ->> 'start_url',
      coalesce((payload ->> 'critical')::boolean, false),
      coalesce((payload ->> 'schema_version')::integer, 1),
      coalesce(payload ->> 'source', 'extension')
    )
    returning * into f;
  end if;
  for step in select * from jsonb_array_elements(payload -> 'steps') loop
    insert into public.flow_steps (flow_id, position, action, data, label, label_source, label_confidence, instruction, screenshot_path)
    values (
      f.id, pos,
      step ->> 'action',
      coalesce(step -> 'data', '{}'),
      coalesce(step ->> 'label', ''),
      coalesce(step ->> 'label_source', 'template'),
      (step ->> 'label_confidence')::real,
      step ->> 'instruction',
      step ->> 'screenshot_path'
    );
    pos := pos + 1;
  end loop;
  return f;
end;
$$;
revoke all on function public.save_flow(jsonb) from public, anon;
grant execute on function public.save_flow(jsonb) to authenticated, service_role;

-- Healed selectors, proposed back for review ---------------------------------------------------------

create table public.selector_proposals (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  flow_id uuid not null references public.flows (id) on delete cascade,
  step_id uuid not null references public.flow_steps (id) on delete cascade,
  flow_version integer not null,
  -- The selector that failed and the one the crawler acted on instead.
  from_selector jsonb,
  to_selector jsonb not null,
  confidence real not null constraint selector_proposals_confidence_range check (confidence between 0 and 1),
  run_id uuid,
  status text not null default 'pending' constraint selector_proposals_status_valid check (status in ('pending', 'accepted', 'rejected')),
  decided_by uuid references auth.users (id) on delete set null,
  decided_at timestamptz,
  created_at timestamptz not null default now()
);
alter table public.selector_proposals enable row level security;
create index selector_proposals_organization_id_idx on public.selector_proposals (organization_id);
create index selector_proposals_step_id_idx on public.selector_proposals (step_id);
create unique index selector_proposals_one_pending on public.selector_proposals (step_id, to_selector) where status = 'pending';
create trigger selector_proposals_org before insert or update on public.selector_proposals
  for each row execute function private.set_organization_from_site();

revoke insert, update on public.selector_proposals from anon, authenticated;

create policy "Members can review proposed selectors" on public.selector_proposals
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Accepting puts the healed selector first in the step's ranked list (the old ones stay as
-- fallbacks); rejecting just records the decision so the same proposal is not raised again.
create or replace function public.decide_selector_proposal(proposal uuid, accept boolean) returns public.selector_proposals
language plpgsql security definer
set search_path = ''
as $$
declare
  p public.selector_proposals;
begin
  select * into p from public.selector_proposals where id = proposal for update;
  if p.id is null or not (p.organization_id = any (private.member_org_ids())) then
    raise exception 'Proposal % does not exist or is not yours to decide.', proposal using errcode = 'P0002';
  end if;
  if p.status <> 'pending' then
    raise exception 'This proposal was already %.', p.status using errcode = 'check_violation';
  end if;
  if accept then
    update public.flow_steps s
       set data = jsonb_set(s.data, '{selectors}',
             jsonb_build_array(p.to_selector) || coalesce((select jsonb_agg(e) from jsonb_array_elements(s.data -> 'selectors') e where e <> p.to_selector), '[]'))
     where s.id = p.step_id;
    update public.flows set version = version + 1 where id = p.flow_id;
  end if;
  update public.selector_proposals
     set status = case when accept then 'accepted' else 'rejected' end, decided_by = (select auth.uid()), decided_at = now()
   where id = p.id
  returning * into p;
  return p;
end;
$$;
revoke all on function public.decide_selector_proposal(uuid, boolean) from public, anon;
grant execute on function public.decide_selector_proposal(uuid, boolean) to authenticated, service_role;
