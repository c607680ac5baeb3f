/**
 * credentials: an owner stores a value (encrypted in the crawler's v1 layout, never echoed), a
 * member only lists names, strangers and anonymous callers are refused, names are validated.
 */
import { assert, assertEquals, callFunction, createSite, signUpUser, STACK_TEST, stackInfo, testDb } from '../_shared/testing.ts';
import { handler } from './handler.ts';

/** An independent decryption of core's v1 layout (core/src/credentials.ts), written out with WebCrypto. */
async function decrypt(stored: string, keyBase64: string): Promise<string> {
  const [version, ivB64, dataB64] = stored.split('.');
  assertEquals(version, 'v1');
  const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
  const iv = bytes(ivB64!);
  const data = bytes(dataB64!);
  assertEquals(iv.length, 12);
  assert(data.length >= 17, 'ciphertext followed by a 16-byte tag');
  const key = await crypto.subtle.importKey('raw', bytes(keyBase64), { name: 'AES-GCM' }, false, ['decrypt']);
  return new TextDecoder().decode(await crypto.subtle.decrypt({ name: 'AES-GCM', iv, tagLength: 128 }, key, data));
}

function credentialsKey(): string {
  const key = Deno.env.get('FLOWLENS_CREDENTIALS_KEY');
  if (!key) throw new Error('FLOWLENS_CREDENTIALS_KEY is not set: run with the stack’s functionsEnv (see docs/edge-functions.md).');
  return key;
}

async function member(organizationId: string, role: 'owner' | 'admin' | 'member') {
  const user = await signUpUser();
  await testDb().query('insert into public.organization_members (organization_id, user_id, role, email) values ($1, $2, $3, $4)', [organizationId, user.id, role, user.email]);
  return user;
}

async function call(token: string | null, method: string, body?: unknown, path = '') {
  const res = await callFunction('credentials', {
    key: null,
    method,
    body,
    path,
    headers: { apikey: stackInfo().anonKey, ...(token ? { authorization: `Bearer ${token}` } : {}) },
  });
  const text = await res.text();
  return { status: res.status, text, body: (() => { try { return JSON.parse(text); } catch { return null; } })() };
}

async function rows(siteId: string) {
  return (await testDb().query<{ name: string; ciphertext: string; created_by: string; organization_id: string }>(
    'select name, ciphertext, created_by, organization_id from public.site_credentials where site_id = $1 order by name',
    [siteId],
  )).rows;
}

Deno.test({ name: 'credentials: an owner stores a value encrypted in the crawler’s v1 layout; it is never echoed', ...STACK_TEST, async fn() {
  const site = await createSite();
  const owner = await member(site.organizationId, 'owner');
  const value = `hunter2-${crypto.randomUUID()}`;
  const res = await call(owner.accessToken, 'POST', { site_id: site.siteId, name: 'PASSWORD', value });
  assertEquals(res.status, 200, res.text);
  assertEquals(res.body, { stored: true, name: 'PASSWORD' });
  assert(!res.text.includes(value), 'the response never carries the value');

  const [row] = await rows(site.siteId);
  assertEquals(row?.name, 'PASSWORD');
  assertEquals(row?.created_by, owner.id);
  assertEquals(row?.organization_id, site.organizationId);
  assert(!row!.ciphertext.includes(value), 'stored encrypted');
  assert(/^v1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$/.test(row!.ciphertext), row!.ciphertext);
  assertEquals(await decrypt(row!.ciphertext, credentialsKey()), value);

  // Storing again replaces the value (one row per site and name).
  const again = await call(owner.accessToken, 'POST', { site_id: site.siteId, name: 'PASSWORD', value: 'second ✓ value' });
  assertEquals(again.status, 200, again.text);
  const after = await rows(site.siteId);
  assertEquals(after.length, 1);
  assertEquals(await decrypt(after[0]!.ciphertext, credentialsKey()), 'second ✓ value');

  // Members list names only.
  const listed = await call(owner.accessToken, 'GET', undefined, `?site_id=${site.siteId}`);
  assertEquals(listed.status, 200, listed.text);
  assertEquals(listed.body, { names: ['PASSWORD'] });
  assert(!listed.text.includes('second') && !listed.text.includes('v1.'), 'no values, no ciphertext');
} });

Deno.test({ name: 'credentials: an admin stores; a member may list but not store or delete (403)', ...STACK_TEST, async fn() {
  const site = await createSite();
  const admin = await member(site.organizationId, 'admin');
  const plain = await member(site.organizationId, 'member');
  assertEquals((await call(admin.accessToken, 'POST', { site_id: site.siteId, name: 'API_TOKEN', value: 'tok' })).status, 200);
  const denied = await call(plain.accessToken, 'POST', { site_id: site.siteId, name: 'PASSWORD', value: 'member-secret' });
  assertEquals(denied.status, 403, denied.text);
  assert(!denied.text.includes('member-secret'));
  assertEquals((await call(plain.accessToken, 'DELETE', { site_id: site.siteId, name: 'API_TOKEN' })).status, 403);
  const listed = await call(plain.accessToken, 'GET', undefined, `?site_id=${site.siteId}`);
  assertEquals(listed.body, { names: ['API_TOKEN'] });
  assertEquals((await rows(site.siteId)).map((r) => r.name), ['API_TOKEN']);
} });

Deno.test({ name: 'credentials: strangers are refused, unknown sites are 404, anonymous callers 401', ...STACK_TEST, async fn() {
  const site = await createSite();
  const stranger = await signUpUser();
  const s = await call(stranger.accessToken, 'POST', { site_id: site.siteId, name: 'PASSWORD', value: 'x' });
  assertEquals(s.status, 403, s.text);
  assertEquals((await call(stranger.accessToken, 'GET', undefined, `?site_id=${site.siteId}`)).status, 403);
  assertEquals((await call(stranger.accessToken, 'POST', { site_id: crypto.randomUUID(), name: 'PASSWORD', value: 'x' })).status, 404);
  // Only the anon key: the gateway (verify_jwt) or the function refuses it.
  const anon = await call(stackInfo().anonKey, 'POST', { site_id: site.siteId, name: 'PASSWORD', value: 'x' });
  assertEquals(anon.status, 401, anon.text);
  const none = await call(null, 'POST', { site_id: site.siteId, name: 'PASSWORD', value: 'x' });
  assertEquals(none.status, 401, none.text);
  assertEquals((await rows(site.siteId)).length, 0);
} });

Deno.test({ name: 'credentials: bad names and values are 400; DELETE removes one name', ...STACK_TEST, async fn() {
  const site = await createSite();
  const owner = await member(site.organizationId, 'owner');
  for (const name of ['password', 'PASS-WORD', '', 'X'.repeat(65), 42]) {
    const res = await call(owner.accessToken, 'POST', { site_id: site.siteId, name, value: 'bad-name-value' });
    assertEquals(res.status, 400, `${name}: ${res.text}`);
    assert(!res.text.includes('bad-name-value'));
  }
  assertEquals((await call(owner.accessToken, 'POST', { site_id: site.siteId, name: 'PASSWORD', value: '' })).status, 400);
  assertEquals((await call(owner.accessToken, 'POST', { site_id: site.siteId, name: 'PASSWORD', value: 'x'.repeat(4097) })).status, 400);
  assertEquals((await call(owner.accessToken, 'POST', { site_id: 'nope', name: 'PASSWORD', value: 'x' })).status, 400);
  assertEquals((await call(owner.accessToken, 'POST', 'not json')).status, 400);
  assertEquals((await call(owner.accessToken, 'POST', { site_id: site.siteId, name: 'PASSWORD', value: 'x'.repeat(4096) })).status, 200);
  assertEquals((await call(owner.accessToken, 'POST', { site_id: site.siteId, name: 'EMAIL', value: 'a@b.c' })).status, 200);

  const del = await call(owner.accessToken, 'DELETE', { site_id: site.siteId, name: 'PASSWORD' });
  assertEquals(del.status, 200, del.text);
  assertEquals(del.body, { deleted: true, name: 'PASSWORD' });
  assertEquals((await rows(site.siteId)).map((r) => r.name), ['EMAIL']);
} });

Deno.test({ name: 'credentials: without FLOWLENS_CREDENTIALS_KEY storing is 503 with a clear message', ...STACK_TEST, async fn() {
  const site = await createSite();
  const owner = await member(site.organizationId, 'owner');
  const key = Deno.env.get('FLOWLENS_CREDENTIALS_KEY');
  Deno.env.delete('FLOWLENS_CREDENTIALS_KEY');
  try {
    const res = await handler(new Request('http://local/credentials', {
      method: 'POST',
      headers: { authorization: `Bearer ${owner.accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ site_id: site.siteId, name: 'PASSWORD', value: 'keyless-value' }),
    }));
    const text = await res.text();
    assertEquals(res.status, 503, text);
    assert(text.includes('FLOWLENS_CREDENTIALS_KEY') && !text.includes('keyless-value'), text);
  } finally {
    if (key) Deno.env.set('FLOWLENS_CREDENTIALS_KEY', key);
  }
  assertEquals((await rows(site.siteId)).length, 0);
} });

Deno.test({ name: 'credentials: per-user rate limit (429, Retry-After); other users unaffected; the next window opens', ...STACK_TEST, async fn() {
  const site = await createSite();
  const owner = await member(site.organizationId, 'owner');
  const other = await member(site.organizationId, 'admin');
  await testDb().query(`insert into private.limits (name, organization_id, max_count, window_seconds) values ('credentials_per_user', $1, 3, 3600)`, [site.organizationId]);
  for (let i = 0; i < 3; i++) {
    assertEquals((await call(owner.accessToken, 'POST', { site_id: site.siteId, name: `KEY_${i}`, value: 'v' })).status, 200);
  }
  const res = await callFunction('credentials', {
    key: null,
    method: 'GET',
    path: `?site_id=${site.siteId}`,
    headers: { apikey: stackInfo().anonKey, authorization: `Bearer ${owner.accessToken}` },
  });
  assertEquals(res.status, 429);
  const retry = Number(res.headers.get('retry-after'));
  assert(retry > 0 && retry <= 3600, String(retry));
  assert(/3 credential requests in an hour/.test((await res.json()).error));
  // Refused writes store nothing.
  assertEquals((await call(owner.accessToken, 'POST', { site_id: site.siteId, name: 'KEY_X', value: 'v' })).status, 429);
  assertEquals((await rows(site.siteId)).map((r) => r.name), ['KEY_0', 'KEY_1', 'KEY_2']);
  assertEquals((await call(other.accessToken, 'GET', undefined, `?site_id=${site.siteId}`)).status, 200);
  await testDb().query(`update private.rate_counters set window_start = window_start - interval '1 hour' where name = 'credentials_per_user' and subject = $1`, [owner.id]);
  assertEquals((await call(owner.accessToken, 'GET', undefined, `?site_id=${site.siteId}`)).status, 200);
} });
