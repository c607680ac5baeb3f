/** How every slice asks the background: one call, its Result unwrapped into the panel's state. */
import type { Result } from '../../../lib/protocol.ts';
import type { SetPanel } from './types.ts';

const GENERIC = 'Something went wrong. Try again; if it keeps happening, reload the extension.';

/**
 * Unwraps a Result; a failure (or a dead background) becomes the panel's error line. `quiet` calls
 * (edits of the draft) do not mark the panel busy: an edit sent when a field loses focus must not
 * disable the button whose press took the focus away, or that press is lost (issue 19: "Save drops
 * the first click").
 */
export async function call<T>(set: SetPanel, request: () => Promise<Result<T>>, quiet = false): Promise<T | undefined> {
  if (!quiet) set({ busy: true, error: null });
  else set({ error: null });
  try {
    const r = await request();
    if (r.ok) return r.data;
    // An expired or revoked session: back to the sign-in form, with the sentence saying why.
    set(/Sign in again|You are signed out/.test(r.error) ? { error: r.error, phase: 'signedOut' } : { error: r.error });
    return undefined;
  } catch {
    set({ error: GENERIC });
    return undefined;
  } finally {
    if (!quiet) set({ busy: false });
  }
}
