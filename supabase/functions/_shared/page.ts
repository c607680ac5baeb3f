/**
 * The small HTML pages the email links open (unsubscribe, confirm-recipient): no script, no
 * frames, no referrer; every string a user wrote goes through escapeHtml before it gets here.
 */
import { corsHeaders } from './cors.ts';
import { escapeHtml as e } from './html.ts';

/** `body` is HTML the caller built from escaped parts; `title` is text. */
export function page(status: number, title: string, body: string): Response {
  const html = `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${e(title)}</title></head>
<body style="margin:0;background:#f2f4f7;font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;color:#101828">
<main style="max-width:480px;margin:48px auto;background:#fff;border:1px solid #eaecf0;border-radius:8px;padding:24px">
<p style="margin:0 0 8px;font-size:13px;color:#475467"><strong style="color:#101828">FlowLens</strong></p>
<h1 style="font-size:20px;margin:0 0 16px">${e(title)}</h1>
${body}
</main></body></html>`;
  return new Response(html, {
    status,
    headers: {
      ...corsHeaders,
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
      'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'",
      'x-frame-options': 'DENY',
    },
  });
}
