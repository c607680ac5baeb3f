/** Sign-in and the sites a user may record on (issue 4). */
import { originOf } from '@flowlens/core';
import { FriendlyError } from '../lib/errors.ts';
import { writeBackendConfig, BackendConfig } from '../lib/backend.ts';
import type { OrgSummary, SiteSummary } from '../lib/protocol.ts';
import { backendOrThrow, backendUrl, signedIn } from './backend-access.ts';
import { syncOverlayRegistration } from './overlay.ts';

export async function currentSession(): Promise<{ email: string } | null> {
  const db = await backendOrThrow();
  const { data } = await db.auth.getSession();
  return data.session ? { email: data.session.user.email ?? '' } : null;
}

export async function signIn(email: string, password: string): Promise<{ email: string }> {
  if (email.trim() === '' || password === '') throw new FriendlyError('Enter your email and password.');
  const db = await backendOrThrow();
  const { data, error } = await db.auth.signInWithPassword({ email: email.trim(), password });
  if (error) throw error;
  return { email: data.user?.email ?? email.trim() };
}

export async function signOut(): Promise<void> {
  const db = await backendOrThrow();
  await db.auth.signOut();
}

export async function getBackendUrl(): Promise<{ url: string | null }> {
  return { url: await backendUrl() };
}

export async function setBackend(url: string, anonKey: string): Promise<void> {
  const parsed = BackendConfig.safeParse({ url: url.trim().replace(/\/+$/, ''), anonKey: anonKey.trim() });
  if (!parsed.success) throw new FriendlyError('Enter the backend address (https://…) and its public anon key.');
  await writeBackendConfig(parsed.data);
}

interface SiteRow {
  id: string;
  name: string;
  base_url: string;
  allowed_origins: string[] | null;
  organization_id: string;
  organizations: { name: string } | { name: string }[] | null;
}

function orgName(row: SiteRow): string {
  const o = row.organizations;
  if (Array.isArray(o)) return o[0]?.name ?? '';
  return o?.name ?? '';
}

function toSummary(row: SiteRow): SiteSummary {
  return { id: row.id, name: row.name, baseUrl: row.base_url, organizationId: row.organization_id, organizationName: orgName(row) };
}

/** Sites of the user's organisations whose origin (base URL or allowed origins) is the tab's. */
export async function sitesForUrl(url: string): Promise<{ sites: SiteSummary[]; orgs: OrgSummary[] }> {
  const origin = originOf(url);
  if (!origin || !/^https?:/.test(origin)) throw new FriendlyError('FlowLens records websites (http or https pages). Open your site in this tab first.');
  const { db, userId } = await signedIn();
  const sitesRes = await db.from('sites').select('id, name, base_url, allowed_origins, organization_id, organizations(name)').order('name');
  if (sitesRes.error) throw sitesRes.error;
  const sites = ((sitesRes.data ?? []) as unknown as SiteRow[]).filter((s) => originOf(s.base_url) === origin || (s.allowed_origins ?? []).includes(origin));
  const orgRes = await db.from('organization_members').select('organization_id, role, organizations(name)').eq('user_id', userId);
  if (orgRes.error) throw orgRes.error;
  const orgs = ((orgRes.data ?? []) as unknown as { organization_id: string; role: string; organizations: { name: string } | null }[]).map((m) => ({
    id: m.organization_id,
    role: m.role,
    name: (Array.isArray(m.organizations) ? (m.organizations[0] as { name: string } | undefined)?.name : m.organizations?.name) ?? '',
  }));
  return { sites: sites.map(toSummary), orgs };
}

/** "Add this site": a new site for the tab's origin in one of the user's organisations (a new one if they have none). */
export async function addSite(organizationId: string, url: string, name: string): Promise<SiteSummary> {
  const origin = originOf(url);
  if (!origin || !/^https?:/.test(origin)) throw new FriendlyError('Open the website you want to add in this tab first.');
  const { db } = await signedIn();
  let orgId = organizationId;
  if (orgId === '') {
    const created = await db.rpc('create_organization', { org_name: 'My organisation' });
    if (created.error) throw created.error;
    orgId = (created.data as { id: string }).id;
  }
  const siteName = name.trim() === '' ? new URL(origin).host : name.trim().slice(0, 120);
  const res = await db.from('sites').insert({ organization_id: orgId, name: siteName, base_url: origin }).select('id, name, base_url, allowed_origins, organization_id, organizations(name)').single();
  if (res.error) throw res.error;
  // The new site's pages get the bug overlay from now on (where the origin is granted).
  await syncOverlayRegistration().catch(() => []);
  return toSummary(res.data as unknown as SiteRow);
}
