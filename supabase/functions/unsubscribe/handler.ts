/**
 * `unsubscribe`: the link at the bottom of every FlowLens email, working without signing in
 * (verify_jwt = false; the signed token is the authentication).
 *
 *   GET  /functions/v1/unsubscribe?token=…   a confirmation page with one button (mail scanners
 *                                            that follow links do not unsubscribe anyone)
 *   POST /functions/v1/unsubscribe?token=…   applies it and shows the result; also RFC 8058
 *                                            one-click (List-Unsubscribe-Post) from mail clients
 * The token names a recipient and a kind (instant, daily, weekly or all); applying it turns that
 * preference off for that site. Applying twice is harmless.
 */
import { corsHeaders } from '../_shared/cors.ts';
import { db } from '../_shared/db.ts';
import { dashboardUrl } from '../_shared/env.ts';
import { escapeHtml as e } from '../_shared/html.ts';
import { page } from '../_shared/page.ts';
import { type UnsubscribeKind, verifyUnsubscribe } from '../_shared/unsubscribe-token.ts';

const KIND_NAMES: Record<UnsubscribeKind, string> = {
  instant: 'instant alerts',
  daily: 'daily briefings',
  weekly: 'weekly summaries',
  all: 'all FlowLens emails',
};

interface Recipient {
  id: string;
  email: string;
  site_id: string;
  site_name: string;
}

async function findRecipient(id: string): Promise<Recipient | null> {
  const { rows } = await db().query<Recipient>(
    `select r.id, r.email, r.site_id, s.name as site_name
       from public.notification_recipients r join public.sites s on s.id = r.site_id where r.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

export async function applyUnsubscribe(recipientId: string, kind: UnsubscribeKind): Promise<boolean> {
  const set = kind === 'all' ? 'instant = false, daily = false, weekly = false' : `${kind} = false`;
  const res = await db().query(`update public.notification_recipients set ${set} where id = $1`, [recipientId]);
  return (res.rowCount ?? 0) > 0;
}

export async function handler(req: Request): Promise<Response> {
  if (req.method === 'OPTIONS') return new Response('ok', { headers: corsHeaders });
  if (req.method !== 'GET' && req.method !== 'POST') return page(405, 'Not allowed', '<p>Use the link in your email.</p>');
  const url = new URL(req.url);
  let token = url.searchParams.get('token') ?? '';
  if (!token && req.method === 'POST') {
    const form = await req.formData().catch(() => null);
    token = String(form?.get('token') ?? '');
  }
  const claim = token ? await verifyUnsubscribe(token) : null;
  if (!claim) {
    return page(400, 'This unsubscribe link is not valid', '<p style="line-height:22px">The link may have been cut off by your mail client. Open the whole link from the email, or change your preferences in FlowLens.</p>');
  }
  const recipient = await findRecipient(claim.recipientId);
  if (!recipient) {
    return page(404, 'Already unsubscribed', '<p style="line-height:22px">This address no longer receives emails about this site.</p>');
  }
  const what = KIND_NAMES[claim.kind];
  const prefs = `${dashboardUrl()}/sites/${encodeURIComponent(recipient.site_id)}/settings/notifications`;
  if (req.method === 'GET') {
    return page(
      200,
      `Unsubscribe from ${what}?`,
      `<p style="line-height:22px">${e(recipient.email)} will stop receiving ${e(what)} about <strong>${e(recipient.site_name)}</strong>.</p>
<form method="post" action="?token=${e(encodeURIComponent(token))}" style="margin:20px 0">
<button type="submit" style="background:#1d4ed8;color:#fff;border:0;border-radius:6px;padding:10px 16px;font-size:14px;font-weight:600;cursor:pointer">Unsubscribe</button>
</form>
<p style="font-size:13px;color:#475467">Or <a href="${e(prefs)}" style="color:#1d4ed8">choose which emails you get</a> in FlowLens.</p>`,
    );
  }
  await applyUnsubscribe(recipient.id, claim.kind);
  return page(
    200,
    'You are unsubscribed',
    `<p style="line-height:22px">${e(recipient.email)} will no longer receive ${e(what)} about <strong>${e(recipient.site_name)}</strong>.</p>
<p style="font-size:13px;color:#475467">Changed your mind? <a href="${e(prefs)}" style="color:#1d4ed8">Turn emails back on</a> in FlowLens.</p>`,
  );
}
