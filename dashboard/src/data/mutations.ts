/**
 * Every write the dashboard makes. Bugs change only through the two columns members may update
 * (snoozed_until, false_positive — the audit trigger records who) and rpc reopen_bug; everything
 * else goes through the SQL functions of the schema or plain RLS-checked table writes.
 */
import { AppError, toFriendly, unwrap } from '../lib/errors.ts';
import type { Db } from '../lib/supabase.tsx';
import { BUG_COLUMNS, readBug, SITE_COLUMNS } from './queries.ts';
import { type Bug, type MemberRole, type Organization, type Recipient, RECIPIENT_COLUMNS, type SelectorProposal, type Site } from './types.ts';


export async function snoozeBug(db: Db, bugId: string, until: Date): Promise<Bug> {
  const res = await db.from('bugs').update({ snoozed_until: until.toISOString() }).eq('id', bugId).select(BUG_COLUMNS).single();
  return readBug(unwrap(res, 'snooze the bug'));
}

export async function markFalsePositive(db: Db, bugId: string): Promise<Bug> {
  const res = await db.from('bugs').update({ false_positive: true }).eq('id', bugId).select(BUG_COLUMNS).single();
  return readBug(unwrap(res, 'mark the bug as a false positive'));
}

export async function reopenBug(db: Db, bugId: string): Promise<Bug> {
  const res = await db.rpc('reopen_bug', { target_bug: bugId });
  // reopen_bug returns the whole row: read like the detail page reads it.
  return readBug(unwrap(res, 'reopen the bug'));
}

export async function createOrganization(db: Db, name: string): Promise<Organization> {
  const res = await db.rpc('create_organization', { org_name: name.trim() });
  return unwrap(res, 'create the organisation');
}

export async function createSite(db: Db, input: { organizationId: string; name: string; baseUrl: string }): Promise<Site> {
  const baseUrl = input.baseUrl.trim().replace(/\/+$/, '');
  let origin: string;
  try {
    origin = new URL(baseUrl).origin;
  } catch {
    throw new AppError({ kind: 'invalid', title: 'Please check that value', message: 'The site URL must be a full address such as https://shop.example.com.' });
  }
  const res = await db
    .from('sites')
    .insert({ organization_id: input.organizationId, name: input.name.trim(), base_url: baseUrl, allowed_origins: [origin] })
    .select(SITE_COLUMNS)
    .single();
  return unwrap(res, 'add the site');
}

export type SiteSettingsPatch = Partial<
  Pick<Site, 'name' | 'base_url' | 'allowed_origins' | 'timezone' | 'crawl_enabled' | 'crawl_time' | 'crawl_days' | 'viewports' | 'discover_pages'>
>;

export async function updateSite(db: Db, siteId: string, patch: SiteSettingsPatch): Promise<Site> {
  const res = await db
    .from('sites')
    .update(patch)
    .eq('id', siteId)
    .select(SITE_COLUMNS)
    .maybeSingle();
  const site = unwrap(res, 'save the settings');
  if (!site) throw new AppError({ kind: 'forbidden', title: 'Not allowed', message: 'Only owners and admins can change site settings.' });
  return site;
}

export type CrawlRequest = { ok: true; runId: string } | { ok: false; rateLimited: boolean; title: string; message: string };

export async function requestCrawl(db: Db, siteId: string): Promise<CrawlRequest> {
  const res = await db.rpc('request_crawl', { target_site: siteId });
  if (res.error) {
    const f = toFriendly(res.error);
    return { ok: false, rateLimited: f.kind === 'rate_limited', title: f.title, message: f.message };
  }
  return { ok: true, runId: res.data };
}

export async function decideProposal(db: Db, proposalId: string, accept: boolean): Promise<SelectorProposal> {
  const res = await db.rpc('decide_selector_proposal', { proposal: proposalId, accept });
  return unwrap(res, accept ? 'accept the healed selector' : 'reject the healed selector');
}

export async function rotateWebhookSecret(db: Db, siteId: string): Promise<string> {
  const res = await db.rpc('rotate_webhook_secret', { target_site: siteId });
  return unwrap(res, 'rotate the webhook secret');
}

export async function addRecipient(db: Db, siteId: string, email: string): Promise<Recipient> {
  const res = await db
    .from('notification_recipients')
    .insert({ site_id: siteId, email: email.trim().toLowerCase() })
    .select(RECIPIENT_COLUMNS)
    .single();
  return unwrap(res, 'add the recipient');
}

export async function updateRecipient(db: Db, id: string, patch: Partial<Pick<Recipient, 'instant' | 'daily' | 'weekly'>>): Promise<Recipient> {
  const res = await db.from('notification_recipients').update(patch).eq('id', id).select(RECIPIENT_COLUMNS).maybeSingle();
  const row = unwrap(res, 'save the preference');
  if (!row) throw new AppError({ kind: 'forbidden', title: 'Not allowed', message: 'Members can change only their own email preferences; owners and admins can change everyone\'s.' });
  return row;
}

/** Sends an address that has not confirmed its confirmation email again (limited: 429 with a sentence). */
export async function resendConfirmation(db: Db, id: string): Promise<void> {
  const res = await db.rpc('resend_recipient_confirmation', { target_recipient: id });
  unwrap(res, 'resend the confirmation email');
}

export async function removeRecipient(db: Db, id: string): Promise<void> {
  const res = await db.from('notification_recipients').delete().eq('id', id).select('id');
  const rows = unwrap(res, 'remove the recipient');
  if (rows.length === 0) throw new AppError({ kind: 'forbidden', title: 'Not allowed', message: 'Only owners and admins can remove recipients.' });
}

export async function inviteMember(db: Db, orgId: string, email: string, role: MemberRole): Promise<{ token: string; expiresAt: string }> {
  const res = await db.rpc('invite_member', { org_id: orgId, invitee_email: email.trim(), invitee_role: role });
  const rows = unwrap(res, 'send the invitation');
  const row = rows[0];
  if (!row) throw new AppError({ kind: 'other', title: 'Something went wrong', message: 'The invitation was not created.' });
  return { token: row.token, expiresAt: row.expires_at };
}

export async function revokeInvitation(db: Db, id: string): Promise<void> {
  unwrap(await db.from('invitations').delete().eq('id', id), 'revoke the invitation');
}

export async function changeRole(db: Db, orgId: string, userId: string, role: MemberRole): Promise<void> {
  const res = await db.from('organization_members').update({ role }).eq('organization_id', orgId).eq('user_id', userId).select('user_id');
  const rows = unwrap(res, 'change the role');
  if (rows.length === 0) throw new AppError({ kind: 'forbidden', title: 'Not allowed', message: 'Only owners can change roles.' });
}

export async function removeMember(db: Db, orgId: string, userId: string): Promise<void> {
  const res = await db.from('organization_members').delete().eq('organization_id', orgId).eq('user_id', userId).select('user_id');
  const rows = unwrap(res, 'remove the member');
  if (rows.length === 0) throw new AppError({ kind: 'forbidden', title: 'Not allowed', message: 'Admins can remove members and admins; only owners can remove owners.' });
}

export async function acceptInvitation(db: Db, token: string): Promise<string> {
  const res = await db.rpc('accept_invitation', { invitation_token: token });
  return unwrap(res, 'accept the invitation');
}
