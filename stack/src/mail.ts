/**
 * The local mail sink: a real SMTP server (the `smtp-server` package) that keeps every message it
 * accepts, and a mailbox on HTTP to read them — a page for people, JSON for tests and scripts.
 *
 *   GET    /                      the mailbox page (everything rendered as text; an email's own
 *                                 HTML is shown in a sandboxed iframe with scripts disabled)
 *   GET    /api/messages          [{ id, from, to, subject, date, text, html, headers }]
 *   GET    /api/messages/:id      one message; /api/messages/:id/html serves its HTML body
 *   DELETE /api/messages          empties the mailbox
 *   POST   /api/fail-next         { count, code? } the next N deliveries are refused (SMTP 451 by
 *                                 default) — lets tests prove the sender retries
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { simpleParser, type AddressObject } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import { HttpError, readJson, sendJson } from './gateway/http.ts';

export interface StoredMessage {
  id: string;
  receivedAt: string;
  envelope: { from: string; to: string[] };
  from: string;
  to: string[];
  subject: string;
  date: string | null;
  text: string;
  html: string | null;
  headers: Record<string, string>;
}

function addresses(a: AddressObject | AddressObject[] | undefined): string[] {
  if (!a) return [];
  return (Array.isArray(a) ? a : [a]).flatMap((x) => x.value.map((v) => v.address ?? '')).filter(Boolean);
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

export class MailSink {
  private failNext = 0;
  private failCode = 451;
  private seq = 0;
  private readonly smtp: SMTPServer;
  private readonly web: http.Server;

  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.seq = readdirSync(dir).length;
    this.smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      banner: 'FlowLens local mail sink',
      size: 20 * 1024 * 1024,
      logger: false,
      onData: (stream, session, callback) => {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          if (this.failNext > 0) {
            this.failNext -= 1;
            const err = new Error('Mailbox temporarily unavailable (FlowLens sink asked to refuse this delivery)') as Error & { responseCode: number };
            err.responseCode = this.failCode;
            return callback(err);
          }
          this.store(Buffer.concat(chunks), session.envelope)
            .then(() => callback())
            .catch((e: Error) => callback(e));
        });
      },
    });
    this.web = http.createServer((req, res) => {
      this.route(req, res).catch((e: unknown) => {
        if (e instanceof HttpError) return sendJson(res, e.status, e.body);
        sendJson(res, 500, { message: (e as Error).message });
      });
    });
  }

  async listen(smtpPort: number, webPort: number, host = '127.0.0.1'): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.smtp.once('error', reject);
      this.smtp.listen(smtpPort, host, () => resolve());
    });
    await new Promise<void>((resolve, reject) => {
      this.web.once('error', reject);
      this.web.listen(webPort, host, () => resolve());
    });
  }

  async close(): Promise<void> {
    await new Promise<void>((r) => this.smtp.close(() => r()));
    await new Promise<void>((r) => this.web.close(() => r()));
  }

  private async store(raw: Buffer, envelope: { mailFrom: false | { address: string }; rcptTo: { address: string }[] }): Promise<void> {
    const parsed = await simpleParser(raw);
    this.seq += 1;
    const id = `${Date.now().toString(36)}-${String(this.seq).padStart(5, '0')}`;
    const headers: Record<string, string> = {};
    for (const line of parsed.headerLines) headers[line.key] = line.line.slice(line.key.length + 1).trim();
    const msg: StoredMessage = {
      id,
      receivedAt: new Date().toISOString(),
      envelope: { from: envelope.mailFrom ? envelope.mailFrom.address : '', to: envelope.rcptTo.map((r) => r.address) },
      from: addresses(parsed.from)[0] ?? '',
      to: addresses(parsed.to),
      subject: parsed.subject ?? '',
      date: parsed.date ? parsed.date.toISOString() : null,
      text: parsed.text ?? '',
      html: typeof parsed.html === 'string' ? parsed.html : null,
      headers,
    };
    writeFileSync(join(this.dir, `${id}.json`), JSON.stringify(msg));
  }

  messages(): StoredMessage[] {
    return readdirSync(this.dir)
      .filter((f) => f.endsWith('.json'))
      .sort()
      .map((f) => JSON.parse(readFileSync(join(this.dir, f), 'utf8')) as StoredMessage);
  }

  private async route(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://local');
    const method = req.method ?? 'GET';
    if (method === 'GET' && url.pathname === '/api/messages') return sendJson(res, 200, this.messages());
    if (method === 'DELETE' && url.pathname === '/api/messages') {
      for (const f of readdirSync(this.dir)) rmSync(join(this.dir, f), { force: true });
      return sendJson(res, 200, { deleted: true });
    }
    if (method === 'POST' && url.pathname === '/api/fail-next') {
      const body = await readJson<{ count?: number; code?: number }>(req);
      this.failNext = Math.max(0, Number(body.count ?? 1));
      this.failCode = Number(body.code ?? 451);
      return sendJson(res, 200, { failNext: this.failNext, code: this.failCode });
    }
    const one = /^\/api\/messages\/([\w-]+)(\/html)?$/.exec(url.pathname);
    if (method === 'GET' && one) {
      const msg = this.messages().find((m) => m.id === one[1]);
      if (!msg) throw new HttpError(404, { message: `No message ${one[1]}` });
      if (one[2]) {
        // The email's own HTML, isolated: no scripts, no network, no same-origin access.
        res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; img-src data:; sandbox" });
        res.end(msg.html ?? `<pre>${escapeHtml(msg.text)}</pre>`);
        return;
      }
      return sendJson(res, 200, msg);
    }
    if (method === 'GET' && url.pathname === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'content-security-policy': "default-src 'none'; style-src 'unsafe-inline'; frame-src 'self'" });
      res.end(this.page(url.searchParams.get('id')));
      return;
    }
    throw new HttpError(404, { message: `${method} ${url.pathname} not found` });
  }

  private page(selected: string | null): string {
    const msgs = this.messages().reverse();
    const current = msgs.find((m) => m.id === selected) ?? msgs[0];
    const rows = msgs
      .map(
        (m) =>
          `<li${m === current ? ' class="on"' : ''}><a href="/?id=${encodeURIComponent(m.id)}"><b>${escapeHtml(m.subject || '(no subject)')}</b><br><small>${escapeHtml(m.to.join(', '))} · ${escapeHtml(m.receivedAt)}</small></a></li>`,
      )
      .join('');
    const body = current
      ? `<h2>${escapeHtml(current.subject)}</h2><p><small>From ${escapeHtml(current.from)} to ${escapeHtml(current.to.join(', '))}</small></p>
         ${current.html ? `<iframe sandbox src="/api/messages/${encodeURIComponent(current.id)}/html" title="HTML body"></iframe>` : ''}
         <h3>Plain text</h3><pre>${escapeHtml(current.text)}</pre>`
      : '<p>No mail yet. Everything FlowLens sends on this stack lands here.</p>';
    return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>FlowLens local mailbox</title>
<style>body{font:14px system-ui,sans-serif;margin:0;display:flex;height:100vh;color:#1a1a1a;background:#fafaf9}
nav{width:340px;overflow:auto;border-right:1px solid #e5e5e3;background:#fff}ul{list-style:none;margin:0;padding:0}
li a{display:block;padding:10px 14px;color:inherit;text-decoration:none;border-bottom:1px solid #e5e5e3}li.on a{background:#eff6ff}
main{flex:1;overflow:auto;padding:16px 24px}iframe{width:100%;height:60vh;border:1px solid #e5e5e3;background:#fff}pre{white-space:pre-wrap}</style></head>
<body><nav><h1 style="font-size:16px;padding:0 14px">Mailbox (${msgs.length})</h1><ul>${rows}</ul></nav><main>${body}</main></body></html>`;
  }
}
