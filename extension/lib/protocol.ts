/**
 * The extension's one messaging contract (issue 16): every message between the side panel, the
 * content scripts (recorder, overlay loader and UI, walkthrough) and the background service worker,
 * by name, with its request and the data of its answer. Every answer travels as one `Result`.
 *
 * Plain types only: every content script imports this file (the overlay loader runs on every page
 * of a monitored site and must stay tiny), so no zod, no supabase-js and no core runtime here. The
 * background validates what a content script sends with the schemas in lib/protocol-schemas.ts
 * before a handler sees it; lib/messaging.ts is the one wrapper that sends and receives.
 */
import type { FlowResultStatus } from '@flowlens/core/report';
import type { CapturedAction } from './capture.ts';
import type { PageState } from '../overlay/protocol.ts';
import type { StepLogEntry, WalkState } from '../walkthrough/protocol.ts';

/** The one answer shape: data, or a sentence for people saying what went wrong and what to do. */
export type Result<T = null> = { ok: true; data: T } | { ok: false; error: string };

export interface SiteSummary {
  id: string;
  name: string;
  baseUrl: string;
  organizationId: string;
  organizationName: string;
}

export interface OrgSummary {
  id: string;
  name: string;
  role: string;
}

export interface FlowSummary {
  id: string;
  name: string;
  critical: boolean;
  version: number;
  updatedAt: string;
  stepCount: number;
  /** The most recent replay per viewport, newest first; empty when never replayed. */
  lastResults: { viewport: string; status: FlowResultStatus; finishedAt: string }[];
}

export type AssertionRequest =
  | { kind: 'textVisible'; text: string }
  | { kind: 'urlContains'; text: string }
  /** Element-scoped checks, from an element picked on the page (selectors and metadata as a step stores them). */
  | { kind: 'elementVisible'; target: PickedElement }
  | { kind: 'elementText'; text: string; target: PickedElement };

export interface PickedElement {
  selectors: CapturedAction['selectors'];
  element: CapturedAction['element'];
  frame?: number[];
}

export type PickKind = 'elementVisible' | 'elementText';

export type EditRequest =
  | { op: 'delete'; uid: string }
  | { op: 'move'; uid: string; to: number }
  | { op: 'rename'; name: string }
  | { op: 'critical'; critical: boolean }
  | { op: 'label'; uid: string; label: string }
  | { op: 'secret'; uid: string; name: string }
  /** Renames a secret in every step that uses it (sign-up password and confirmation share one). */
  | { op: 'renameSecret'; from: string; to: string }
  | { op: 'assert'; assertion: AssertionRequest; after?: string }
  | { op: 'dismissNotice' };

/**
 * Message name → (request) => data of the answer. A message without a request takes no argument.
 * Who may send each one (side panel, content script, background) is checked by the receiver
 * (lib/messaging.ts `onMessage`'s `from`).
 */
export interface ProtocolMap {
  // --- Side panel → background: the recorder (issue 4) ---
  'auth.session'(): { email: string } | null;
  'auth.signIn'(data: { email: string; password: string }): { email: string };
  'auth.signOut'(): null;
  'backend.get'(): { url: string | null };
  'backend.set'(data: { url: string; anonKey: string }): null;
  'sites.forUrl'(data: { url: string }): { sites: SiteSummary[]; orgs: OrgSummary[] };
  'sites.add'(data: { organizationId: string; url: string; name: string }): SiteSummary;
  'recorder.start'(data: { tabId: number; siteId: string; url: string }): null;
  'recorder.stop'(): null;
  'recorder.discard'(): null;
  'recorder.edit'(data: EditRequest): null;
  /** Start (kind) or cancel (null) picking an element in the recorded tab for a check (also Esc in the page). */
  'recorder.pick'(data: { kind: PickKind | null }): null;
  'flows.save'(): { id: string; version: number };
  'flows.list'(data: { siteId: string }): FlowSummary[];
  'flows.open'(data: { flowId: string; siteId: string }): null;
  'flows.export'(data: { format: 'flowlens' | 'chrome' }): { filename: string; json: string };
  /** A saved flow as a Playwright test (issue 17), through core's generator. */
  'flows.exportPlaywright'(data: { flowId: string }): { filename: string; code: string };
  'flows.import'(data: { text: string; siteId: string; origin: string }): { warnings: string[] };
  /** Names only; the value of a stored credential never comes back. */
  'credentials.list'(data: { siteId: string }): { names: string[] };
  /** The value is sent once, to the background's memory, which passes it to the `credentials` function. */
  'credentials.store'(data: { siteId: string; name: string; value: string }): { name: string };

  // --- Recorder content script → background ---
  'capture.status'(): { recording: boolean; pick: PickKind | null };
  'capture.step'(data: CapturedAction): { highlightMs: number };
  'capture.page'(data: { url: string; title: string; kind: 'load' | 'route' }): null;
  /** The element the user picked for a check, with its text now (capped). */
  'capture.picked'(data: { target: PickedElement; text: string }): null;
  // Background → recorder content script
  'capture.active'(data: { active: boolean }): null;
  'capture.pick'(data: { kind: PickKind | null }): null;

  // --- Overlay (issue 7): loader and UI → background ---
  'overlay.page'(data: { url: string; force?: boolean }): PageState;
  /** Loader → background: this frame has something to show; inject the overlay UI into it. */
  'overlay.loadUi'(): true;
  'overlay.snooze'(data: { bugId: string; days: number }): true;
  'overlay.falsePositive'(data: { bugId: string }): true;
  'overlay.setHidden'(data: { siteId: string; hidden: boolean }): true;
  'overlay.getHidden'(data: { siteId: string }): boolean;
  /** A signed URL for a bug's screenshot (null when not the site's or not available). */
  'overlay.screenshot'(data: { siteId: string; path: string }): string | null;
  // Side panel → background
  /** Recompute the overlay's registration (e.g. after a site was added); answers the match patterns. */
  'overlay.sync'(): string[];
  /** After the user granted the site's origin: register and show the overlay in that tab now (true when shown). */
  'overlay.enable'(data: { tabId?: number }): boolean;
  // Background → overlay loader and UI: something changed (recording, hide toggle, session); ask again.
  'overlay.refresh'(): null;

  // --- Walkthrough (issue 9) ---
  /** Side panel (in the tab it names, else a new one) or overlay UI (in its own tab). */
  'walkthrough.start'(data: { flowId?: string; bugId?: string; tabId?: number }): { id: string; tabId: number };
  /** Content script or extension page: ends the walkthrough (of the sender's tab, for a content script). */
  'walkthrough.stop'(data: { unresolved?: { index: number; error: string } }): true;
  // Walkthrough content script → background (its own tab only); each answers the state now (null: none here).
  'walkthrough.state'(data: { viewportWidth?: number }): WalkState | null;
  'walkthrough.advance'(data: { index: number; status: 'passed' | 'healed'; by: StepLogEntry['by']; confidence?: number }): WalkState | null;
  'walkthrough.fail'(data: { index: number; error: string }): WalkState | null;
  'walkthrough.offTarget'(data: { index: number }): WalkState | null;
  'walkthrough.continue'(data: { index: number }): WalkState | null;
  /** Resize the walkthrough tab's window so its page is `width` × `height` CSS px (the content script knows the window's chrome). */
  'walkthrough.resize'(data: { width: number; height: number }): WalkState | null;
  'walkthrough.screenshot'(data: { path: string }): string | null;
  // Background → walkthrough content script: the state changed (or ended); ask again.
  'walkthrough.changed'(): null;
}

export type MessageName = keyof ProtocolMap;
/** The request of a message (`undefined` for one that takes none). */
export type RequestOf<N extends MessageName> = Parameters<ProtocolMap[N]> extends [infer D] ? D : undefined;
/** The data of a message's answer. */
export type DataOf<N extends MessageName> = ReturnType<ProtocolMap[N]>;

/** What travels: the name and the request. Answers are `Result<DataOf<name>>`. */
export interface Envelope<N extends MessageName = MessageName> {
  flowlens: N;
  data: RequestOf<N>;
}
