/**
 * `confirm-recipient`: the link in the email FlowLens sends an address an owner or admin added to a
 * site's alert recipients (issue 14, docs/limits.md). Works without signing in (verify_jwt =
 * false; the signed token is the authentication).
 *
 *   GET  /functions/v1/confirm-recipient?token=…   a page naming the site and who asked, with one
 *                                                  button (mail scanners that follow links confirm nothing)
 *   POST /functions/v1/confirm-recipient?token=…   confirms and shows the result; twice is harmless
 *
 * The token is signed over the recipient id and its address: once the address changes, old links fail.
 */
import { corsHeaders } from '../_shared/cors.ts';
import { confirmationRecipient, verifyConfirmation } from '../_shared/confirm-token.ts';
import { db } from '../_shared/db.ts';
import { escapeHtml as e } from '../_shared/html.ts';
import { page } from '../_shared/page.ts';

interface PendingRecipient {
  id: string;
  email: string;
  confirmed_at: Date | null;
  site_name: string;
  site_url: string;
  org_name: string;
  requested_by: string | null;
}

async function findRecipient(id: string): Promise<PendingRecipient | null> {
  const { rows } = await db().query<PendingRecipient>(
    `select r.id, r.email, r.confirmed_at, s.name as site_name, s.base_url as site_url, o.name as org_name,
            (select m.email from public.organization_members m
              where m.user_id = r.confirmation_requested_by and m.organization_id = r.organization_id) as requested_by
       from public.notification_recipients r
       join public.sites s on s.id = r.site_id
       join public.organizations o on o.id = r.organization_id
      where r.id = $1`,
    [id],
  );
  return rows[0] ?? null;
}

const INVALID = '<p style="line-height:22px">The link may have been cut off by your mail client, or the address it was sent to was changed or removed since. Open the whole link from the newest email; nothing will be sent to you unless you confirm.</p>';

export async function handler(req: Request): Promise<Response> {
  if (req.method === 'OPTIONS') return new Response('ok', { headers: corsHeaders });
  if (req.method !== 'GET' && req.method !== 'POST') return page(405, 'Not allowed', '<p>Use the link in your email.</p>');
  const url = new URL(req.url);
  let token = url.searchParams.get('token') ?? '';
  if (!token && req.method === 'POST') {
    const form = await req.formData().catch(() => null);
    token = String(form?.get('token') ?? '');
  }
  token = token.slice(0, 200);
  const id = confirmationRecipient(token);
  const recipient = id ? await findRecipient(id) : null;
  if (!recipient || !(await verifyConfirmation(token, recipient.email))) {
    return page(400, 'This confirmation link is not valid', INVALID);
  }
  const about = `<strong>${e(recipient.site_name)}</strong> (${e(recipient.site_url)}) of ${e(recipient.org_name)}`;
  if (recipient.confirmed_at) {
    return page(200, 'Already confirmed', `<p style="line-height:22px">${e(recipient.email)} receives FlowLens alerts about ${about}. Every email has a link to unsubscribe.</p>`);
  }
  if (req.method === 'GET') {
    const asker = recipient.requested_by ? `${e(recipient.requested_by)} asked` : 'An owner or admin asked';
    return page(
      200,
      'Receive FlowLens alerts?',
      `<p style="line-height:22px">${asker} FlowLens to send alerts about ${about} to ${e(recipient.email)}.</p>
<p style="line-height:22px">Nothing is sent to this address until you confirm. If you did not expect this, close this page.</p>
<form method="post" action="?token=${e(encodeURIComponent(token))}" style="margin:20px 0">
<button type="submit" style="background:#1d4ed8;color:#fff;border:0;border-radius:6px;padding:10px 16px;font-size:14px;font-weight:600;cursor:pointer">Confirm and receive alerts</button>
</form>`,
    );
  }
  // The functions' connection has no JWT: the confirmation trigger lets it set confirmed_at. The
  // address is in the where clause, so a link for an address changed meanwhile confirms nothing.
  const res = await db().query(
    'update public.notification_recipients set confirmed_at = now() where id = $1 and email = $2 and confirmed_at is null',
    [recipient.id, recipient.email],
  );
  if ((res.rowCount ?? 0) === 0 && !(await findRecipient(recipient.id))?.confirmed_at) {
    return page(400, 'This confirmation link is not valid', INVALID);
  }
  return page(
    200,
    'Confirmed',
    `<p style="line-height:22px">${e(recipient.email)} will receive FlowLens alerts about ${about}. Every email has a link to unsubscribe.</p>`,
  );
}
