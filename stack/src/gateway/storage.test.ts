/**
 * The Storage stand-in through supabase-js: uploads, downloads and signed URLs allowed or refused
 * by the RLS policies supabase/migrations puts on storage.objects (membership of the site whose
 * id starts the object name).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { createTestUser, stackInfo, supabaseClient, type TestUser } from '../testing/index.ts';

let owner: TestUser;
let stranger: TestUser;
let siteId: string;
const png = Buffer.from('89504e470d0a1a0a0000000d49484452', 'hex');

beforeAll(async () => {
  owner = await createTestUser('storage-owner');
  stranger = await createTestUser('storage-stranger');
  const org = await owner.client.rpc('create_organization', { org_name: 'Storage test org' });
  if (org.error) throw new Error(org.error.message);
  const site = await owner.client.from('sites').insert({ organization_id: org.data.id, name: 'Storage test', base_url: 'https://storage.example.com' }).select().single();
  if (site.error) throw new Error(site.error.message);
  siteId = site.data.id;
});

describe('Storage stand-in through supabase-js', () => {
  it('lets a member upload, download and sign a URL for their site', async () => {
    const path = `${siteId}/steps/flow-1/0.png`;
    const up = await owner.client.storage.from('screenshots').upload(path, png, { contentType: 'image/png' });
    expect(up.error).toBeNull();
    expect(up.data?.fullPath).toBe(`screenshots/${path}`);

    const down = await owner.client.storage.from('screenshots').download(path);
    expect(down.error).toBeNull();
    expect(Buffer.from(await down.data!.arrayBuffer()).equals(png)).toBe(true);

    const signed = await owner.client.storage.from('screenshots').createSignedUrl(path, 60);
    expect(signed.error).toBeNull();
    const fetched = await fetch(signed.data!.signedUrl);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await fetched.arrayBuffer()).equals(png)).toBe(true);
  });

  it('uploads a Blob (multipart) too, and refuses a duplicate unless upserting', async () => {
    const path = `${siteId}/steps/flow-1/1.png`;
    const blob = new Blob([png], { type: 'image/png' });
    expect((await owner.client.storage.from('screenshots').upload(path, blob)).error).toBeNull();
    const dup = await owner.client.storage.from('screenshots').upload(path, blob);
    expect(dup.error?.message).toMatch(/already exists/);
    expect((await owner.client.storage.from('screenshots').upload(path, blob, { upsert: true })).error).toBeNull();
    const listed = await owner.client.storage.from('screenshots').list(`${siteId}/steps/flow-1`);
    expect(listed.data?.map((o) => o.name).sort()).toEqual(['0.png', '1.png']);
  });

  it('refuses a stranger: upload, download and signed URL', async () => {
    const path = `${siteId}/steps/flow-1/0.png`;
    const up = await stranger.client.storage.from('screenshots').upload(`${siteId}/steps/evil.png`, png, { contentType: 'image/png' });
    expect(up.error?.message).toMatch(/row-level security/);
    const down = await stranger.client.storage.from('screenshots').download(path);
    expect(down.error).not.toBeNull();
    const signed = await stranger.client.storage.from('screenshots').createSignedUrl(path, 60);
    expect(signed.error).not.toBeNull();
    const anon = await supabaseClient().storage.from('screenshots').download(path);
    expect(anon.error).not.toBeNull();
  });

  it('refuses a signed URL whose token was altered or has expired', async () => {
    const path = `${siteId}/steps/flow-1/0.png`;
    const signed = await owner.client.storage.from('screenshots').createSignedUrl(path, 1);
    const url = new URL(signed.data!.signedUrl);
    const other = new URL(url);
    other.pathname = other.pathname.replace('0.png', '1.png');
    expect((await fetch(other)).status).toBe(400);
    await new Promise((r) => setTimeout(r, 2100));
    expect((await fetch(url)).status).toBe(400);
  });

  it('refuses types the bucket does not accept and names that escape it', async () => {
    const text = await owner.client.storage.from('screenshots').upload(`${siteId}/notes.txt`, Buffer.from('hi'), { contentType: 'text/plain' });
    expect(text.error).not.toBeNull();
    const info = stackInfo();
    const token = (await owner.client.auth.getSession()).data.session!.access_token;
    const res = await fetch(`${info.apiUrl}/storage/v1/object/screenshots/${siteId}/%2E%2E/%2E%2E/secrets.json`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, apikey: info.anonKey, 'content-type': 'image/png' },
      body: png,
    });
    expect(res.status).toBe(400);
  });
});
