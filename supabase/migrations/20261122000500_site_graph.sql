-- FlowLens Site Context, part 5: the site graph (pages and links between them) and the
-- performance time series per page × viewport with rolling baselines. Written by finalisation
-- (service role); members read.
--
-- page_metrics grows by (pages × viewports) per run; at fleet scale it is partitioned by month
-- (see docs/scaling.md) — one table is plenty until then.

create table public.pages (
  id uuid primary key default gen_random_uuid(),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  -- Site-relative normalised URL template (core/src/url-template.ts), e.g. /products/:id
  url_template text not null,
  sample_url text,
  title text,
  page_type text,
  -- { elements, forms, ctas, images, structureHash } from the latest crawl that saw it.
  fingerprint jsonb,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  last_run_id uuid references public.crawl_runs (id) on delete set null,
  unique (site_id, url_template)
);
alter table public.pages enable row level security;
create index pages_organization_id_idx on public.pages (organization_id);
create trigger pages_org before insert or update on public.pages
  for each row execute function private.set_organization_from_site();
create policy "Members can read the site graph" on public.pages
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

create table public.page_edges (
  from_page_id uuid not null references public.pages (id) on delete cascade,
  to_page_id uuid not null references public.pages (id) on delete cascade,
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  first_seen_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  primary key (from_page_id, to_page_id)
);
alter table public.page_edges enable row level security;
create index page_edges_organization_id_idx on public.page_edges (organization_id);
create index page_edges_to_page_id_idx on public.page_edges (to_page_id);
create trigger page_edges_org before insert or update on public.page_edges
  for each row execute function private.set_organization_from_site();
create policy "Members can read links between pages" on public.page_edges
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

create table public.page_metrics (
  id bigint generated always as identity primary key,
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  page_id uuid not null references public.pages (id) on delete cascade,
  run_id uuid not null references public.crawl_runs (id) on delete cascade,
  viewport text not null constraint page_metrics_viewport_valid check (viewport in ('desktop', 'tablet', 'mobile')),
  measured_at timestamptz not null default now(),
  ttfb_ms real,
  fcp_ms real,
  lcp_ms real,
  cls real,
  load_ms real,
  unique (run_id, page_id, viewport)
);
alter table public.page_metrics enable row level security;
create index page_metrics_organization_id_idx on public.page_metrics (organization_id);
create index page_metrics_page_time_idx on public.page_metrics (page_id, viewport, measured_at desc);
create index page_metrics_site_time_idx on public.page_metrics (site_id, measured_at desc);
create trigger page_metrics_org before insert or update on public.page_metrics
  for each row execute function private.set_organization_from_site();
create policy "Members can read performance history" on public.page_metrics
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));

-- Rolling baseline over the last 30 samples of one metric on one page × viewport.
create table public.page_baselines (
  page_id uuid not null references public.pages (id) on delete cascade,
  viewport text not null constraint page_baselines_viewport_valid check (viewport in ('desktop', 'tablet', 'mobile')),
  metric text not null constraint page_baselines_metric_valid check (metric in ('ttfb_ms', 'fcp_ms', 'lcp_ms', 'cls', 'load_ms')),
  site_id uuid not null references public.sites (id) on delete cascade,
  organization_id uuid not null references public.organizations (id) on delete cascade,
  samples integer not null,
  mean double precision not null,
  stddev double precision not null,
  updated_at timestamptz not null default now(),
  primary key (page_id, viewport, metric)
);
alter table public.page_baselines enable row level security;
create index page_baselines_organization_id_idx on public.page_baselines (organization_id);
create trigger page_baselines_org before insert or update on public.page_baselines
  for each row execute function private.set_organization_from_site();
create policy "Members can read performance baselines" on public.page_baselines
  for select to authenticated
  using (organization_id = any ((select private.member_org_ids())::uuid[]));
