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

export function friendlyMessage(e: unknown, doing = 'do that'): string {
  if (e instanceof FriendlyError) return e.message;
  const message = field(e, 'message') || (typeof e === 'string' ? e : '');
  const code = field(e, 'code');
  const status = field(e, 'status');
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
