/**
 * What the overlay shows (issue 7): the page state the background answers to `overlay.page`
 * (messages: lib/protocol.ts). Content scripts never hold a token: every question goes to the
 * background, which asks the backend with the user's session (RLS decides what comes back).
 *
 * Imported by the content scripts, so it stays tiny: no zod, no supabase-js; from core only its
 * dependency-free word lists (core/src/bug.ts).
 */

import { mostSevere, SEVERITIES, type Severity } from '@flowlens/core/bug';

export type { Severity };

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

/** Most severe first (core's list, the database's enum). */
export const SEVERITY_ORDER: readonly Severity[] = SEVERITIES;

export function worstSeverity(bugs: readonly { severity: Severity }[]): Severity | null {
  return mostSevere(bugs.map((b) => b.severity));
}
