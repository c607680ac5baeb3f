/**
 * Demo data for `npm start`: a demo user (through the Auth stand-in's admin API, so the password is
 * hashed exactly as for any user) who owns a demo organisation. Idempotent: running it again finds
 * what is there and changes nothing.
 */
import type { Stack } from './stack.ts';
import { withClient } from './postgres.ts';

export const DEMO_EMAIL = 'demo@flowlens.local';
export const DEMO_ORG = 'Lumen Supply';

export interface DemoSeed {
  email: string;
  password: string;
  userId: string;
  organizationId: string;
}

export async function seedDemo(stack: Stack): Promise<DemoSeed> {
  const info = stack.info();
  const password = stack.secrets.demoPassword;
  let userId = await withClient(stack.dbUrl, async (c) => (await c.query<{ id: string }>('select id from auth.users where email = $1', [DEMO_EMAIL])).rows[0]?.id);
  if (!userId) {
    const res = await fetch(`${info.apiUrl}/auth/v1/admin/users`, {
      method: 'POST',
      headers: { apikey: info.serviceRoleKey, authorization: `Bearer ${info.serviceRoleKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: DEMO_EMAIL, password, email_confirm: true, user_metadata: { full_name: 'Demo Owner' } }),
    });
    const body = (await res.json()) as { id?: string; msg?: string };
    if (!res.ok || !body.id) throw new Error(`Could not create the demo user: ${body.msg ?? res.status}`);
    userId = body.id;
  }
  const organizationId = await withClient(stack.dbUrl, async (c) => {
    const existing = await c.query<{ id: string }>(
      `select o.id from public.organizations o join public.organization_members m on m.organization_id = o.id
        where m.user_id = $1 and o.name = $2 limit 1`,
      [userId, DEMO_ORG],
    );
    if (existing.rows[0]) return existing.rows[0].id;
    await c.query('begin');
    const org = await c.query<{ id: string }>('insert into public.organizations (name, created_by) values ($1, $2) returning id', [DEMO_ORG, userId]);
    await c.query(`insert into public.organization_members (organization_id, user_id, role) values ($1, $2, 'owner')`, [org.rows[0]!.id, userId]);
    await c.query('commit');
    return org.rows[0]!.id;
  });
  return { email: DEMO_EMAIL, password, userId, organizationId };
}
