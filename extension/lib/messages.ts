/**
 * The one messaging contract between the recorder's parts (CONVENTIONS: one ProtocolMap, one
 * wrapper). The side panel and content scripts never hold a token: they ask the background.
 *
 * Every panel request answers with a Result, whose error is a sentence for people (lib/errors.ts),
 * so the panel never has to show — or even see — a raw exception.
 */
import { defineExtensionMessaging } from '@webext-core/messaging';
import type { CapturedAction } from './capture.ts';

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
  lastResults: { viewport: string; status: 'passed' | 'failed' | 'errored' | 'needs_setup'; finishedAt: string }[];
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

export interface ProtocolMap {
  // Side panel → background
  'auth.session'(): Result<{ email: string } | null>;
  'auth.signIn'(data: { email: string; password: string }): Result<{ email: string }>;
  'auth.signOut'(): Result;
  'backend.get'(): Result<{ url: string | null }>;
  'backend.set'(data: { url: string; anonKey: string }): Result;
  'sites.forUrl'(data: { url: string }): Result<{ sites: SiteSummary[]; orgs: OrgSummary[] }>;
  'sites.add'(data: { organizationId: string; url: string; name: string }): Result<SiteSummary>;
  'recorder.start'(data: { tabId: number; siteId: string; url: string }): Result;
  'recorder.stop'(): Result;
  'recorder.discard'(): Result;
  'recorder.edit'(data: EditRequest): Result;
  /** Start (kind) or cancel (null) picking an element in the recorded tab for a check. */
  'recorder.pick'(data: { kind: PickKind | null }): Result;
  'flows.save'(): Result<{ id: string; version: number }>;
  'flows.list'(data: { siteId: string }): Result<FlowSummary[]>;
  'flows.open'(data: { flowId: string; siteId: string }): Result;
  'flows.export'(data: { format: 'flowlens' | 'chrome' }): Result<{ filename: string; json: string }>;
  /** A saved flow as a Playwright test (issue 17), through core's generator. */
  'flows.exportPlaywright'(data: { flowId: string }): Result<{ filename: string; code: string }>;
  'flows.import'(data: { text: string; siteId: string; origin: string }): Result<{ warnings: string[] }>;
  /** Names only; the value of a stored credential never comes back. */
  'credentials.list'(data: { siteId: string }): Result<{ names: string[] }>;
  /** The value is sent once, to the background's memory, which passes it to the `credentials` function. */
  'credentials.store'(data: { siteId: string; name: string; value: string }): Result<{ name: string }>;
  // Content script → background
  'capture.status'(): { recording: boolean; pick?: PickKind | null };
  'capture.step'(data: CapturedAction): { highlightMs: number };
  'capture.page'(data: { url: string; title: string; kind: 'load' | 'route' }): null;
  /** The element the user picked for a check, with its text now (capped). */
  'capture.picked'(data: { target: PickedElement; text: string }): null;
  // Background → content script
  'capture.active'(data: { active: boolean }): null;
  'capture.pick'(data: { kind: PickKind | null }): null;
}

export const { sendMessage, onMessage } = defineExtensionMessaging<ProtocolMap>();
