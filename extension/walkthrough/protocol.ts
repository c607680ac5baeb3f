/**
 * The guided walkthrough's messages and state (issue 9), shared by the background service worker,
 * the content script, the side panel and the overlay.
 *
 * Plain data only: the content script imports this file, so no zod, no supabase-js, no core
 * runtime imports here (the background validates the stored state with zod: state.ts). Word lists
 * (step actions, assertion kinds, viewports) are core's types; messages are in lib/protocol.ts.
 */
import type { AssertionKind, StepAction } from '@flowlens/core/flow';
import type { ViewportName } from '@flowlens/core/viewport';

/** What the content script needs of a recorded step (a subset of core's Step, never a secret's value). */
export interface WalkStep {
  action: StepAction;
  label: string;
  instruction?: string;
  selectors?: { kind: string; value: string }[];
  /** Recorded element metadata (core ElementMeta), for healing. */
  element?: unknown;
  /** navigate: the URL. */
  url?: string;
  /** input/select: the recorded value; secrets are `{{secret:NAME}}` placeholders. assert: the expected text/URL part. */
  value?: string;
  optionText?: string;
  checked?: boolean;
  key?: string;
  assertion?: AssertionKind;
  /** waitFor: present or absent. */
  state?: 'present' | 'absent';
  x?: number;
  y?: number;
  /** Storage path of the screenshot taken when recording (ask `screenshot` for a signed URL). */
  screenshot?: string;
  /** Same-origin iframe path from the top document (child-frame indices; absent = top document). */
  frame?: number[];
  /** The recorded page's viewport (to crop the screenshot around the element). */
  page?: { viewport?: { width: number; height: number } };
}

export type StepOutcome = 'passed' | 'healed' | 'failed';

export interface StepLogEntry {
  index: number;
  action: WalkStep['action'];
  status: StepOutcome;
  /** Who performed it: the user, the extension ("Do it for me") or an automatic check. */
  by: 'user' | 'extension' | 'auto';
  confidence?: number;
  error?: string;
}

/** What went wrong where a crawler run broke the flow (bugs + latest bug_occurrences.evidence). */
export interface WalkBug {
  id: string;
  title: string;
  stepIndex: number;
  error: string;
  console: string[];
  request?: { method: string; url: string; status?: number; failure?: string };
  pageUrl?: string;
  /** The viewports the crawler saw it on (absent: not known). */
  viewports?: ViewportName[];
}

export type WalkStatus = 'active' | 'at-bug' | 'done';

export interface WalkState {
  v: 1;
  id: string;
  tabId: number;
  flow: { id: string; name: string; siteId: string; version: number; startUrl: string };
  steps: WalkStep[];
  /** The current step (0-based, = flow_steps.position). */
  index: number;
  status: WalkStatus;
  log: StepLogEntry[];
  bug?: WalkBug;
  /** Set once the user chose to go on past the bug's step. */
  pastBug?: boolean;
  /** Viewport class of the tab when it started (desktop/tablet/mobile). */
  viewport?: ViewportName;
  startedAt: string;
  /** Clicks the user made elsewhere while a step waited (noted, never blocked). */
  offTarget: number;
  /** Outcome already stored in flow_results (stored once). */
  recorded?: boolean;
}

/** The built content script (WXT entrypoint extension/entrypoints/walkthrough.content.ts). */
export const WALK_SCRIPT_FILE = 'content-scripts/walkthrough.js';

/** Key of the state in browser.storage.session. */
export const WALK_KEY = 'flowlens.walkthrough';

/**
 * The dashboard's "Reproduce in my browser" link: any page of the monitored site with this hash,
 * e.g. `https://shop.example.com/#flowlens-walkthrough=bug:<uuid>` (or `flow:<uuid>`). See
 * docs/walkthrough.md.
 */
export const WALK_HASH = 'flowlens-walkthrough';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** `{ bugId }` or `{ flowId }` from a URL carrying the walkthrough hash; null otherwise. */
export function parseWalkHash(url: string): { bugId: string } | { flowId: string } | null {
  let hash: string;
  try {
    hash = new URL(url).hash.slice(1);
  } catch {
    return null;
  }
  for (const part of hash.split('&')) {
    const eq = part.indexOf('=');
    if (eq < 0 || decodeURIComponent(part.slice(0, eq)) !== WALK_HASH) continue;
    const value = decodeURIComponent(part.slice(eq + 1));
    const m = /^(bug|flow):(.+)$/.exec(value);
    const kind = m ? m[1] : 'bug';
    const id = m ? m[2]! : value;
    if (!UUID.test(id)) return null;
    return kind === 'flow' ? { flowId: id.toLowerCase() } : { bugId: id.toLowerCase() };
  }
  return null;
}

/** Secret placeholder names in a value (`{{secret:NAME}}`), in order, without duplicates. */
export function secretNames(value: string | undefined): string[] {
  if (!value) return [];
  const out: string[] = [];
  for (const m of value.matchAll(/\{\{secret:([A-Z0-9_]+)\}\}/g)) if (!out.includes(m[1]!)) out.push(m[1]!);
  return out;
}

/** The value with its placeholders filled from `typed`; null when one is missing (never a guess). */
export function fillTyped(value: string, typed: Readonly<Record<string, string>>): string | null {
  let missing = false;
  const out = value.replace(/\{\{secret:([A-Z0-9_]+)\}\}/g, (_m, name: string) => {
    const v = typed[name];
    if (v === undefined || v === '') {
      missing = true;
      return '';
    }
    return v;
  });
  return missing ? null : out;
}

/** Steps the user performs on an element (spotlight); the rest are navigations and checks. */
export function isTargeted(step: WalkStep): boolean {
  return step.action === 'click' || step.action === 'input' || step.action === 'select' || step.action === 'check' || step.action === 'submit';
}
