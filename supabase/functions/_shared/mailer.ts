/**
 * SMTP from the environment: SMTP_HOST, SMTP_PORT (default 587; 465 means TLS), SMTP_USER,
 * SMTP_PASS, SMTP_SECURE (true/false), SMTP_FROM. Locally the stack points these at its sink.
 */
import nodemailer from 'npm:nodemailer';
import { env, requireEnv } from './env.ts';

export interface OutgoingMail {
  to: string;
  subject: string;
  text: string;
  html: string;
  headers?: Record<string, string>;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<void>;
  close(): void;
}

export function smtpMailer(): Mailer {
  const port = Number(env('SMTP_PORT') ?? 587);
  const secure = env('SMTP_SECURE') ? env('SMTP_SECURE') === 'true' : port === 465;
  const user = env('SMTP_USER');
  const transport = nodemailer.createTransport({
    host: requireEnv('SMTP_HOST'),
    port,
    secure,
    auth: user ? { user, pass: env('SMTP_PASS') ?? '' } : undefined,
    // The local sink has no TLS; real providers upgrade with STARTTLS when offered.
    ignoreTLS: !secure && ['127.0.0.1', 'localhost'].includes(requireEnv('SMTP_HOST')),
    connectionTimeout: 15_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  });
  const from = env('SMTP_FROM') ?? 'FlowLens <alerts@flowlens.local>';
  return {
    async send(mail) {
      await transport.sendMail({ from, to: mail.to, subject: mail.subject, text: mail.text, html: mail.html, headers: mail.headers });
    },
    close() {
      transport.close();
    },
  };
}
