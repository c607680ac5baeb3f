/**
 * Limits shared by every function instance (issue 14, docs/limits.md): counted in Postgres by
 * private.take_rate over the functions' database connection, refused with 429 + Retry-After and
 * a sentence; request bodies read with a byte cap (413).
 */
import { json } from './cors.ts';
import { db } from './db.ts';

export interface RateVerdict {
  allowed: boolean;
  retryAfter: number;
  max: number;
  windowSeconds: number;
}

/** Counts one request of `subject` against the named limit (the organisation's own limit if it has one). */
export async function takeRate(limit: string, subject: string, org: string | null = null): Promise<RateVerdict> {
  const { rows } = await db().query<{ allowed: boolean; retry_after: number; max_count: number; window_seconds: number }>(
    'select allowed, retry_after, max_count, window_seconds from private.take_rate($1, $2, $3)',
    [limit, subject, org],
  );
  const r = rows[0];
  if (!r) throw new Error(`take_rate(${limit}) answered nothing`);
  return { allowed: r.allowed === true, retryAfter: Math.max(1, Number(r.retry_after) || 60), max: Number(r.max_count), windowSeconds: Number(r.window_seconds) };
}

/** "per minute", "per hour", "per day" or "in N seconds" for a sentence. */
export function perWindow(seconds: number): string {
  if (seconds === 60) return 'a minute';
  if (seconds === 3600) return 'an hour';
  if (seconds === 86400) return 'a day';
  return `${seconds} seconds`;
}

export function tooMany(sentence: string, retryAfter: number, extra: Record<string, string> = {}): Response {
  return json({ error: sentence, retryAfter }, 429, { 'retry-after': String(retryAfter), 'access-control-expose-headers': 'retry-after', ...extra });
}

export class TooLarge extends Error {
  constructor(readonly limit: number) {
    super(`larger than ${limit} bytes`);
  }
}

/** The body's bytes, refusing (TooLarge) past `limit` whether or not Content-Length says so. */
export async function readLimited(body: ReadableStream<Uint8Array> | null, limit: number, declared?: string | null): Promise<Uint8Array> {
  const n = Number(declared ?? NaN);
  if (Number.isFinite(n) && n > limit) {
    await body?.cancel().catch(() => {});
    throw new TooLarge(limit);
  }
  if (!body) return new Uint8Array();
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel().catch(() => {});
      throw new TooLarge(limit);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(size);
  let o = 0;
  for (const c of chunks) {
    out.set(c, o);
    o += c.length;
  }
  return out;
}
