/**
 * Request bodies, read the one way every function reads them (issue 16): the bytes under a cap
 * (checked before anything is parsed, also without a Content-Length), JSON.parse, then core's
 * schema for this function (core/src/edge-functions.ts). A refusal is the function's own
 * `{ error: sentence }` answer: the cap's status and sentence, the "not JSON" sentence, or a 400
 * naming every problem the schema found (core's `bodyProblems`).
 */
import type { z } from 'zod';
import { bodyProblems, TIMER_SENTENCES } from '../../../core/src/edge-functions.ts';
import { json } from './cors.ts';
import { readLimited, TooLarge } from './limits.ts';

export interface BodyRules {
  /** The most bytes read; a longer body is refused before parsing. */
  maxBytes: number;
  /** The answer past the cap: status (413 unless the function always said otherwise) and sentence. */
  tooLarge: { status: number; error: string };
  /** The sentence when the body is not JSON. */
  notJson: string;
  /** An empty (or all-whitespace) body stands for this value instead of being refused as not JSON. */
  empty?: unknown;
  /** Extra headers on a refusal (e.g. the function's allowed methods). */
  headers?: Record<string, string>;
}

export type Read<T> = { ok: true; value: T } | { ok: false; response: Response };

/** The body's text, at most `maxBytes` bytes. */
export async function readText(req: Request, rules: Pick<BodyRules, 'maxBytes' | 'tooLarge' | 'headers'>): Promise<Read<string>> {
  try {
    const bytes = await readLimited(req.body, rules.maxBytes, req.headers.get('content-length'));
    return { ok: true, value: new TextDecoder().decode(bytes) };
  } catch (e) {
    if (e instanceof TooLarge) return { ok: false, response: json({ error: rules.tooLarge.error }, rules.tooLarge.status, rules.headers) };
    throw e;
  }
}

/** JSON text checked by a schema: the parsed value, and the JSON as it was sent (`raw`). */
export function parseText<S extends z.ZodType>(text: string, schema: S, rules: Pick<BodyRules, 'notJson' | 'empty' | 'headers'>): Read<{ data: z.output<S>; raw: unknown }> {
  let raw: unknown;
  if (!text.trim() && 'empty' in rules) {
    raw = rules.empty;
  } else {
    try {
      raw = JSON.parse(text);
    } catch {
      return { ok: false, response: json({ error: rules.notJson }, 400, rules.headers) };
    }
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return { ok: false, response: json({ error: bodyProblems(parsed.error) }, 400, rules.headers) };
  return { ok: true, value: { data: parsed.data, raw } };
}

/** Reads, caps, parses and checks a request's JSON body with core's schema for it. */
export async function readBody<S extends z.ZodType>(req: Request, schema: S, rules: BodyRules): Promise<Read<z.output<S>>> {
  const text = await readText(req, rules);
  if (!text.ok) return text;
  const parsed = parseText(text.value, schema, rules);
  return parsed.ok ? { ok: true, value: parsed.value.data } : parsed;
}

/**
 * schedule and notify: an optional body (empty means no options) from the service role. Their
 * bodies had no cap; 1 MB holds `{ now, sites: [...] }` with some 25,000 site ids.
 */
export const TIMER_BODY_RULES: BodyRules = {
  maxBytes: 1024 * 1024,
  tooLarge: { status: 413, error: 'The body is larger than 1 MB.' },
  notJson: TIMER_SENTENCES.notJson,
  empty: {},
};
