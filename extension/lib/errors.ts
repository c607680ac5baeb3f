/**
 * Turning failures into sentences for people. The side panel only ever shows these: a raw
 * exception (stack, SQL, "TypeError: …") never reaches it. Each message says what happened and what
 * to do next. Messages never include a value the user typed.
 */

interface ErrorLike {
  message?: unknown;
  code?: unknown;
  status?: unknown;
  name?: unknown;
  details?: unknown;
  hint?: unknown;
}

/** An error whose message is already written for people. */
export class FriendlyError extends Error {
  override name = 'FriendlyError';
}

function field(e: unknown, key: keyof ErrorLike): string {
  if (typeof e !== 'object' || e === null) return '';
  const v = (e as ErrorLike)[key];
  return typeof v === 'string' || typeof v === 'number' ? String(v) : '';
}

/** "2 minutes", "45 seconds", "1 hour" for a wait given in seconds. */
function waitFor(seconds: number): string {
  const unit = (n: number, one: string) => `${n} ${one}${n === 1 ? '' : 's'}`;
  if (seconds < 90) return unit(Math.max(1, Math.round(seconds)), 'second');
  if (seconds < 90 * 60) return unit(Math.round(seconds / 60), 'minute');
  return unit(Math.round(seconds / 3600), 'hour');
}

/**
 * The server's own sentence for a refusal of its limits (HTTP 429, docs/limits.md), plus when to
 * try again from Retry-After when the sentence does not say it already. `sentence` is what the
 * server wrote (PostgREST's `message`, an edge function's `error`); it is the server's text, not
 * the user's, and is cut to one short line. Null when there is no usable sentence.
 */
export function rateLimitedMessage(sentence: unknown, retryAfter?: unknown): string | null {
  if (typeof sentence !== 'string') return null;
  // eslint-disable-next-line no-control-regex -- removing control characters is the point
  const text = sentence.replace(/[\u0000-\u001f\u007f]+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 300);
  if (!text) return null;
  const seconds = typeof retryAfter === 'number' ? retryAfter : Number(/(\d+)/.exec(String(retryAfter ?? ''))?.[1] ?? NaN);
  const saysWhen = /\bin (about )?\d+ (second|minute|hour)s?\b|\btomorrow\b/i.test(text);
  const end = /[.!?]$/.test(text) ? '' : '.';
  return Number.isFinite(seconds) && seconds > 0 && !saysWhen ? `${text}${end} Try again in ${waitFor(seconds)}.` : `${text}${end}`;
}

export function friendlyMessage(e: unknown, doing = 'do that'): string {
  if (e instanceof FriendlyError) return e.message;
  const message = field(e, 'message') || (typeof e === 'string' ? e : '');
  const code = field(e, 'code');
  const status = field(e, 'status');
  if (field(e, 'hint') === 'rate_limited') {
    // PostgREST's answer to a refused limit: the message is the sentence, details "Retry after N seconds."
    const sentence = rateLimitedMessage(message, field(e, 'details'));
    if (sentence) return sentence;
  }
  if (/failed to fetch|networkerror|load failed|fetch failed|ECONNREFUSED/i.test(message)) {
    return `FlowLens could not reach its server to ${doing}. Check your connection (or the backend address under "Backend"), then try again.`;
  }
  if (/invalid login credentials|invalid_credentials|invalid email or password/i.test(message) || code === 'invalid_credentials') {
    return 'That email and password do not match a FlowLens account. Check them and try again.';
  }
  if (/email not confirmed/i.test(message)) return 'Confirm your email address first (see the message we sent you), then sign in.';
  if (/jwt|session.*(missing|expired)|not authenticated|refresh token/i.test(message) || status === '401') {
    return 'Your FlowLens session has ended. Sign in again to continue.';
  }
  if (code === '23505') return 'A flow with this name already exists for this site. Rename the flow and save again.';
  if (/flow_steps_password_is_placeholder/.test(message)) {
    return 'A password field still holds a typed value. Mark that step as secret, then save again.';
  }
  if (/step that types a secret|flow that types a secret/.test(message)) {
    return 'Only owners and admins can save a step that types a secret (a password or token), or change a flow that types one. Ask an owner or admin of the organisation to save it.';
  }
  if (/flow_steps_navigate_web_only/.test(message)) return 'A step opens an address that is not a web page (http or https). Fix or delete that step, then save again.';
  if (code === '42501' || /row-level security|permission denied/i.test(message) || status === '403') {
    return `You do not have permission to ${doing} here. Ask an owner or admin of the organisation.`;
  }
  if (code === 'P0002') return 'That flow no longer exists or you cannot edit it. Reload the list of flows.';
  if (code === '23514' || code === '22023' || code === '22P02') return `The server refused the data when trying to ${doing}. Check the steps and try again.`;
  if (/quota|rate limit|too many/i.test(message) || status === '429') return 'Too many requests right now. Wait a moment and try again.';
  return `Something went wrong while trying to ${doing}. Try again; if it keeps happening, reload the extension.`;
}
