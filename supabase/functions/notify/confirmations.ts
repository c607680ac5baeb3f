/**
 * Confirmation emails to external alert recipients (issue 14, docs/limits.md): an address an owner
 * or admin added receives one email with a signed link, and nothing else until it confirms. Rows
 * are claimed with FOR UPDATE SKIP LOCKED and marked sent in the same statement
 * (private.claim_recipient_confirmations), so racing notify calls send each request once; a send
 * that fails puts the request back for the next call.
 */
import { signConfirmation } from '../_shared/confirm-token.ts';
import type { Db } from '../_shared/db.ts';
import { functionUrl } from '../_shared/env.ts';
import { escapeHtml as e, oneLine, safeHref } from '../_shared/html.ts';
import type { Mailer } from '../_shared/mailer.ts';
import type { Rendered } from './render.ts';

export interface ConfirmationOutcome {
  recipientId: string;
  siteId: string;
  status: 'sent' | 'pending';
  error?: string;
}

export interface ConfirmationFacts {
  email: string;
  siteName: string;
  siteUrl: string;
  organizationName: string;
  requestedBy: string | null;
  confirmUrl: string;
}

const FONT = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";

export function renderConfirmation(f: ConfirmationFacts): Rendered {
  const subject = oneLine(`[FlowLens] Confirm alerts about ${f.siteName}`, 200);
  const asker = f.requestedBy ?? 'An owner or admin';
  const lines = [
    `${asker} of ${f.organizationName} asked FlowLens to send alerts about ${f.siteName} (${f.siteUrl}) to ${f.email}.`,
    'FlowLens sends nothing to this address until you confirm. If you did not expect this, ignore this email.',
  ];
  const href = safeHref(f.confirmUrl) ?? '';
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>${e(subject)}</title></head>
<body style="margin:0;padding:24px;background:#f2f4f7"><div style="max-width:600px;margin:0 auto;background:#ffffff;border:1px solid #eaecf0;border-radius:8px;padding:20px 24px">
<h1 style="margin:0 0 16px 0;${FONT};font-size:20px;color:#101828">${e(`Receive FlowLens alerts about ${f.siteName}?`)}</h1>
${lines.map((l) => `<p style="margin:0 0 12px 0;${FONT};font-size:15px;line-height:22px;color:#101828">${e(l)}</p>`).join('\n')}
<p style="margin:20px 0 0 0"><a href="${e(href)}" style="display:inline-block;background:#1d4ed8;color:#ffffff;text-decoration:none;padding:10px 16px;border-radius:6px;font-weight:600;${FONT};font-size:14px">Review and confirm</a></p>
</div></body></html>`;
  return { subject, text: [...lines, '', `Review and confirm: ${f.confirmUrl}`].join('\n\n'), html };
}

interface Claimed {
  id: string;
  site_id: string;
  email: string;
  site_name: string;
  site_url: string;
  org_name: string;
  requested_by: string | null;
  sent_at: Date;
}

export async function sendConfirmations(pool: Db, opts: { now: Date; mailer: Mailer; sites: string[] | null; maxRows: number }): Promise<ConfirmationOutcome[]> {
  const { rows } = await pool.query<Claimed>(
    `select c.id, c.site_id, c.email, s.name as site_name, s.base_url as site_url, o.name as org_name, $1::timestamptz as sent_at,
            (select m.email from public.organization_members m where m.user_id = c.requested_by and m.organization_id = s.organization_id) as requested_by
       from private.claim_recipient_confirmations($1, $2, $3::uuid[]) c
       join public.sites s on s.id = c.site_id
       join public.organizations o on o.id = s.organization_id`,
    [opts.now.toISOString(), opts.maxRows, opts.sites],
  );
  const outcomes: ConfirmationOutcome[] = [];
  for (const r of rows) {
    try {
      const token = await signConfirmation(r.id, r.email);
      const mail = renderConfirmation({
        email: r.email,
        siteName: r.site_name,
        siteUrl: r.site_url,
        organizationName: r.org_name,
        requestedBy: r.requested_by,
        confirmUrl: `${functionUrl('confirm-recipient')}?token=${encodeURIComponent(token)}`,
      });
      await opts.mailer.send({ to: r.email, ...mail, headers: { 'X-FlowLens-Notification': `confirm_recipient; site=${r.site_id}` } });
      outcomes.push({ recipientId: r.id, siteId: r.site_id, status: 'sent' });
    } catch (err) {
      const message = (err instanceof Error ? err.message : String(err)).slice(0, 500);
      // Back to "to be sent" unless someone re-requested or changed it meanwhile.
      await pool.query(
        'update public.notification_recipients set confirmation_sent_at = null where id = $1 and confirmation_sent_at = $2 and confirmed_at is null',
        [r.id, r.sent_at],
      );
      console.warn(`notify: confirmation email for recipient ${r.id} of site ${r.site_id} failed: ${message}`);
      outcomes.push({ recipientId: r.id, siteId: r.site_id, status: 'pending', error: message });
    }
  }
  return outcomes;
}
