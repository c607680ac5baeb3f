-- FlowLens Site Context, part 7: where screenshots live.
-- Bucket `screenshots` is private. Object names start with the site id:
--   <site_id>/steps/<flow_id>/<step>.png      recorded by the extension
--   <site_id>/runs/<run_id>/<viewport>/<…>.png taken by the crawler
-- so the same membership rules as the tables decide who can read or write them.

insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types)
values ('screenshots', 'screenshots', false, 10485760, '{image/png,image/jpeg,image/webp}')
on conflict (id) do nothing;

create policy "Members can read their sites' screenshots" on storage.objects
  for select to authenticated
  using (bucket_id = 'screenshots' and private.try_uuid((storage.foldername(name))[1]) = any ((select private.member_site_ids())::uuid[]));
create policy "Members can upload screenshots for their sites" on storage.objects
  for insert to authenticated
  with check (bucket_id = 'screenshots' and private.try_uuid((storage.foldername(name))[1]) = any ((select private.member_site_ids())::uuid[]));
create policy "Members can replace their sites' screenshots" on storage.objects
  for update to authenticated
  using (bucket_id = 'screenshots' and private.try_uuid((storage.foldername(name))[1]) = any ((select private.member_site_ids())::uuid[]))
  with check (bucket_id = 'screenshots' and private.try_uuid((storage.foldername(name))[1]) = any ((select private.member_site_ids())::uuid[]));
create policy "Owners and admins can delete their sites' screenshots" on storage.objects
  for delete to authenticated
  using (bucket_id = 'screenshots' and private.try_uuid((storage.foldername(name))[1]) = any ((select private.admin_site_ids())::uuid[]));
