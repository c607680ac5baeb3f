/**
 * The overlay's messages between the content script and the background service worker (issue 7).
 * Content scripts never hold a token: every question goes to the background, which asks the
 * backend with the user's session (RLS decides what comes back).
 *
 * Plain data only: this file is imported by the content script, so it must stay tiny (no zod, no
 * supabase-js, no core imports).
 */

export type Severity = 'P0' | 'P1' | 'P2' | 'P3';

/** A bug as the overlay shows it: already trimmed by the background to what the page needs. */
export interface OverlayBug {
  id: string;
  type: string;
  severity: Severity;
  status: string;
  title: string;
  /** One line: the error message, the failed request, the axe rule… (text, never HTML). */
  cause: string;
  viewports: string[];
  firstSeenAt: string;
  lastSeenAt: string;
  /** Where the crawler saw it: `kind=value` selectors (core formatSelector) or CSS, best first. Empty = page-level. */
  selectors: string[];
  /** The recorded element's metadata when the bug comes from a recorded step (lets pins heal). */
  element?: unknown;
  /** Storage path of the newest screenshot, if any (ask `screenshot` for a signed URL). */
  screenshot?: string;
  /** Link to the bug in the dashboard. */
  dashboardUrl: string;
}

export type PageStatus = 'signed-out' | 'not-monitored' | 'hidden' | 'recording' | 'ok' | 'error';

export interface PageState {
  status: PageStatus;
  site?: { id: string; name: string };
  template?: string;
  bugs: OverlayBug[];
  /** Present when status is 'error'. */
  error?: string;
}

export type OverlayRequest =
  | { type: 'flowlens:overlay:page'; url: string; force?: boolean }
  | { type: 'flowlens:overlay:snooze'; bugId: string; days: number }
  | { type: 'flowlens:overlay:false-positive'; bugId: string }
  | { type: 'flowlens:overlay:set-hidden'; siteId: string; hidden: boolean }
  | { type: 'flowlens:overlay:get-hidden'; siteId: string }
  | { type: 'flowlens:overlay:screenshot'; siteId: string; path: string }
  | { type: 'flowlens:overlay:sync' }
  /** Side panel, after the user granted the site's origin: register and show the overlay in that tab now. */
  | { type: 'flowlens:overlay:enable'; tabId: number }
  | { type: typeof LOAD_UI_MESSAGE };

/** Loader → background: this frame has something to show; inject the overlay UI into it. */
export const LOAD_UI_MESSAGE = 'flowlens:overlay:load-ui';

/** Background → content script: something changed (recording, hide toggle, session); ask again. */
export const REFRESH_MESSAGE = 'flowlens:overlay:refresh';

export type OverlayResponse<T = unknown> = { ok: true; value: T } | { ok: false; error: string };

export const SEVERITY_ORDER: readonly Severity[] = ['P0', 'P1', 'P2', 'P3'];

export function worstSeverity(bugs: readonly { severity: Severity }[]): Severity | null {
  let worst: Severity | null = null;
  for (const b of bugs) if (worst === null || SEVERITY_ORDER.indexOf(b.severity) < SEVERITY_ORDER.indexOf(worst)) worst = b.severity;
  return worst;
}
