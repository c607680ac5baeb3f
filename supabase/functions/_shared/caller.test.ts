/**
 * asCaller (_shared/caller.ts): the functions ask Postgres as the caller — role `authenticated`,
 * auth.uid() the caller, RLS and the SQL role helpers in force — and the pooled connection is the
 * functions' own again afterwards. A token that is not the validated user's is refused.
 */
import { asCaller, callerClaims, NotACaller } from './caller.ts';
import { closeDb, db } from './db.ts';
import { assert, assertEquals, createSite, signUpUser, STACK_TEST, testDb } from './testing.ts';

Deno.test({ name: 'asCaller: queries run as the caller under RLS and the SQL helpers; the connection is reset after', ...STACK_TEST, async fn() {
  const mine = await createSite();
  const theirs = await createSite();
  const user = await signUpUser();
  await testDb().query('insert into public.organization_members (organization_id, user_id, role, email) values ($1, $2, $3, $4)', [mine.organizationId, user.id, 'member', user.email]);
  const caller = { id: user.id, email: user.email, token: user.accessToken };
  const seen = await asCaller(caller, async (c) => {
    const who = (await c.query<{ role: string; uid: string }>('select current_user as role, auth.uid()::text as uid')).rows[0];
    const sites = (await c.query<{ id: string }>('select id from public.sites where id = any ($1::uuid[]) order by id', [[mine.siteId, theirs.siteId]])).rows.map((r) => r.id);
    const helper = (await c.query<{ member: boolean; admin: boolean }>('select $1::uuid = any (private.member_site_ids()) as member, $1::uuid = any (private.admin_site_ids()) as admin', [mine.siteId])).rows[0];
    return { who, sites, helper };
  });
  assertEquals(seen.who, { role: 'authenticated', uid: user.id });
  assertEquals(seen.sites, [mine.siteId], 'RLS hides the other organisation’s site');
  assertEquals(seen.helper, { member: true, admin: false });
  // Writes the caller may not do fail as the caller (no insert grant on site_credentials).
  let refused = '';
  await asCaller(caller, (c) => c.query(`insert into public.site_credentials (site_id, name, ciphertext) values ($1, 'X', 'v1.a.b')`, [mine.siteId])).catch((e: Error) => {
    refused = e.message;
  });
  assert(/permission denied/.test(refused), refused);
  const back = (await db().query<{ role: string }>('select current_user as role')).rows[0];
  assertEquals(back, { role: 'postgres' });
  await closeDb();
} });

Deno.test('asCaller: a token that is not the validated user’s is refused before any query', () => {
  const payload = (claims: unknown) => btoa(JSON.stringify(claims)).replace(/=+$/, '').replace(/\+/g, '-').replace(/\//g, '_');
  const id = crypto.randomUUID();
  assertEquals(callerClaims({ id, token: `h.${payload({ sub: id, role: 'authenticated' })}.s` }).sub, id);
  for (const token of [`h.${payload({ sub: crypto.randomUUID(), role: 'authenticated' })}.s`, `h.${payload({ sub: id, role: 'service_role' })}.s`, 'h.not-json.s', 'garbage']) {
    let error: unknown = null;
    try {
      callerClaims({ id, token });
    } catch (e) {
      error = e;
    }
    assert(error instanceof NotACaller, token);
  }
});
