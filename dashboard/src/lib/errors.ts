/**
 * Turning what Supabase returns into messages a site owner can act on. PostgREST errors carry
 * Postgres' code and our SQL functions' own sentences (supabase/migrations raise readable
 * messages); we keep those, and name the ones that need a different presentation.
 */

export interface DbError {
  message: string;
  code?: string;
  hint?: string | null;
  details?: string | null;
}

export type FriendlyError =
  | { kind: 'rate_limited'; title: string; message: string }
  | { kind: 'forbidden'; title: string; message: string }
  | { kind: 'network'; title: string; message: string }
  | { kind: 'invalid'; title: string; message: string }
  | { kind: 'other'; title: string; message: string };

export class AppError extends Error {
  readonly friendly: FriendlyError;
  constructor(friendly: FriendlyError) {
    super(friendly.message);
    this.name = 'AppError';
    this.friendly = friendly;
  }
}

const CONSTRAINT_HINTS: Array<[RegExp, string]> = [
  [/sites_base_url_format/, 'The site URL must start with http:// or https:// and have no query string or fragment.'],
  [/sites_allowed_origins_format/, 'Each allowed origin must be a scheme and host only, like https://shop.example.com (no path).'],
  [/sites_timezone_valid/, 'That time zone is not known. Use an IANA name such as Europe/Amsterdam.'],
  [/sites_viewports_valid/, 'Pick at least one viewport.'],
  [/sites_crawl_days_valid/, 'Pick at least one day for the scheduled crawl.'],
  [/sites_name_length|organizations_name_length/, 'The name must be between 1 and 120 characters.'],
  [/sites_discover_pages_range/, 'Pages to discover must be between 0 and 500.'],
  [/notification_recipients_email_format|invitations_email_format/, 'That is not a valid email address.'],
  [/notification_recipients_site_id_email_key/, 'That address already receives emails for this site.'],
];

export function toFriendly(err: unknown): FriendlyError {
  if (err instanceof AppError) return err.friendly;
  const e = normalise(err);
  if (e.hint === 'rate_limited') {
    // Refusals of the limits in docs/limits.md (HTTP 429 with Retry-After); the sentence says when.
    const title = e.code === 'hourly_limit' ? 'Enough crawls of this site for now' : e.code === 'crawl_in_progress' || e.code === 'P0001' ? 'A crawl is already on its way' : 'Please wait a moment';
    return { kind: 'rate_limited', title, message: e.message };
  }
  if (/Failed to fetch|NetworkError|fetch failed|Load failed/i.test(e.message)) {
    return {
      kind: 'network',
      title: 'Cannot reach FlowLens',
      message: 'The server did not answer. Check your connection (or that the local stack is running) and try again.',
    };
  }
  for (const [re, text] of CONSTRAINT_HINTS) {
    if (re.test(e.message) || re.test(e.details ?? '')) return { kind: 'invalid', title: 'Please check that value', message: text };
  }
  if (e.code === '42501' || /row-level security|permission denied/i.test(e.message)) {
    const own = e.code === '42501' && !/row-level security|permission denied/i.test(e.message);
    return {
      kind: 'forbidden',
      title: 'Not allowed',
      message: own ? e.message : 'Your role in this organisation does not allow that. Ask an owner or admin.',
    };
  }
  if (e.code === '23514' || e.code === '22023' || e.code === '22P02' || e.code === '23505') {
    return { kind: 'invalid', title: 'Please check that value', message: e.message };
  }
  return { kind: 'other', title: 'Something went wrong', message: e.message || 'Unknown error.' };
}

export function errorMessage(err: unknown): string {
  return toFriendly(err).message;
}

function normalise(err: unknown): DbError {
  if (err && typeof err === 'object' && 'message' in err) {
    const o = err as Record<string, unknown>;
    return {
      message: String(o.message ?? ''),
      code: typeof o.code === 'string' ? o.code : undefined,
      hint: typeof o.hint === 'string' ? o.hint : null,
      details: typeof o.details === 'string' ? o.details : null,
    };
  }
  return { message: typeof err === 'string' ? err : 'Unknown error.' };
}

/** Throws the PostgREST error of a supabase-js response as an AppError, or returns its data. `what` completes "Could not …". */
/** The data of a supabase-js answer that succeeded (its members with `error: null`), as the typed client declares it. */
export type DataOf<R> = R extends { error: null; data: infer D } ? D : never;

export function unwrap<R extends { data: unknown; error: unknown }>(res: R, what: string): DataOf<R> {
  if (res.error) {
    const f = toFriendly(res.error);
    throw new AppError(f.kind === 'other' ? { ...f, message: `Could not ${what}: ${f.message}` } : f);
  }
  // supabase-js answers data (typed by the generated schema) exactly when there is no error.
  return res.data as DataOf<R>;
}
