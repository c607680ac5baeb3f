/**
 * Helpers for the functions' Deno tests, against the real local stack: `npm test` (and the
 * command in docs/edge-functions.md) passes FLOWLENS_STACK_JSON with its URLs, keys and database.
 * Nothing here assumes a port. Each test makes its own organisation, site and recipient addresses,
 * so tests never see each other's rows or emails.
 */
import { deepStrictEqual, ok } from 'node:assert/strict';
import pg from 'npm:pg';

export function assertEquals<T>(actual: T, expected: T, message?: string): void {
  deepStrictEqual(actual, expected, message);
}

export function assert(value: unknown, message?: string): asserts value {
  ok(value, message);
}

export interface StackInfo {
  apiUrl: string;
  functionsUrl: string;
  dbUrl: string;
  anonKey: string;
  serviceRoleKey: string;
  mailboxUrl: string;
}

export function stackInfo(): StackInfo {
  const raw = Deno.env.get('FLOWLENS_STACK_JSON');
  if (!raw) throw new Error('FLOWLENS_STACK_JSON is not set: run these tests with `npm test` (or see docs/edge-functions.md).');
  return JSON.parse(raw) as StackInfo;
}

/** Deno test options for tests that keep a database pool or HTTP connections open between steps. */
export const STACK_TEST = { sanitizeResources: false, sanitizeOps: false } as const;

let pool: pg.Pool | null = null;
export function testDb(): pg.Pool {
  if (!pool) pool = new pg.Pool({ connectionString: stackInfo().dbUrl, max: 4, idleTimeoutMillis: 1000, allowExitOnIdle: true });
  return pool;
}

export const uid = () => crypto.randomUUID().slice(0, 8);

export interface Fixture {
  organizationId: string;
  siteId: string;
  recipientId: string;
  email: string;
}

/** An organisation with one site (service role, straight in the database) and one recipient. */
export async function createSite(opts: {
  name?: string;
  timezone?: string;
  crawlTime?: string;
  crawlDays?: number[];
  crawlEnabled?: boolean;
} = {}): Promise<Fixture> {
  const db = testDb();
  const tag = uid();
  const org = (await db.query<{ id: string }>('insert into public.organizations (name) values ($1) returning id', [`Edge test ${tag}`])).rows[0]!;
  const site = (await db.query<{ id: string }>(
    `insert into public.sites (organization_id, name, base_url, timezone, crawl_time, crawl_days, crawl_enabled, viewports, discover_pages)
     values ($1, $2, $3, $4, $5::time, $6::smallint[], $7, '{desktop}', 0) returning id`,
    [
      org.id,
      opts.name ?? `Shop ${tag}`,
      `https://shop-${tag}.example.com`,
      opts.timezone ?? 'UTC',
      opts.crawlTime ?? '02:00',
      opts.crawlDays ?? [1, 2, 3, 4, 5, 6, 7],
      opts.crawlEnabled ?? true,
    ],
  )).rows[0]!;
  const email = `owner-${tag}@example.com`;
  const rec = (await db.query<{ id: string }>(
    // Confirmed as an operator may insert it (issue 14): the tests of confirmation make their own rows.
    'insert into public.notification_recipients (site_id, email, confirmed_at) values ($1, $2, now()) returning id',
    [site.id, email],
  )).rows[0]!;
  return { organizationId: org.id, siteId: site.id, recipientId: rec.id, email };
}

/** Calls a function through the stack's gateway (as a browser, the extension or pg_net would). */
export async function callFunction(
  name: string,
  init: { body?: unknown; key?: string | null; method?: string; headers?: Record<string, string>; path?: string } = {},
): Promise<Response> {
  const info = stackInfo();
  const key = init.key === undefined ? info.serviceRoleKey : init.key;
  const headers: Record<string, string> = { ...(init.headers ?? {}) };
  if (key) headers.authorization = `Bearer ${key}`;
  let body: BodyInit | undefined;
  if (typeof init.body === 'string' || init.body instanceof Uint8Array) body = init.body as BodyInit;
  else if (init.body !== undefined) {
    body = JSON.stringify(init.body);
    headers['content-type'] ??= 'application/json';
  }
  return await fetch(`${info.functionsUrl}/${name}${init.path ?? ''}`, { method: init.method ?? 'POST', headers, body });
}

export interface SinkMessage {
  id: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  headers: Record<string, string>;
}

export async function mailboxFor(address: string): Promise<SinkMessage[]> {
  const res = await fetch(`${stackInfo().mailboxUrl}/api/messages`);
  const all = (await res.json()) as SinkMessage[];
  return all.filter((m) => m.to.map((t) => t.toLowerCase()).includes(address.toLowerCase()));
}

export async function failNextDeliveries(count: number): Promise<void> {
  const res = await fetch(`${stackInfo().mailboxUrl}/api/fail-next`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count }),
  });
  await res.body?.cancel();
  if (!res.ok) throw new Error(`fail-next answered ${res.status}`);
}

/** A user with a session (for functions that need a user JWT). */
export async function signUpUser(): Promise<{ id: string; email: string; accessToken: string }> {
  const info = stackInfo();
  const email = `user-${uid()}@example.com`;
  const password = `pw-${crypto.randomUUID()}`;
  const admin = await fetch(`${info.apiUrl}/auth/v1/admin/users`, {
    method: 'POST',
    headers: { apikey: info.serviceRoleKey, authorization: `Bearer ${info.serviceRoleKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password, email_confirm: true }),
  });
  const created = (await admin.json()) as { id?: string; msg?: string };
  if (!created.id) throw new Error(`could not create a user: ${created.msg ?? admin.status}`);
  const login = await fetch(`${info.apiUrl}/auth/v1/token?grant_type=password`, {
    method: 'POST',
    headers: { apikey: info.anonKey, 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const session = (await login.json()) as { access_token?: string };
  if (!session.access_token) throw new Error(`could not sign in: ${login.status}`);
  return { id: created.id, email, accessToken: session.access_token };
}
