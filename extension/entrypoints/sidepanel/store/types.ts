/** The side panel's state and actions (the store is assembled in ../store.ts from the slices beside this file). */
import type { EditRequest, FlowSummary, OrgSummary, PickKind, SiteSummary } from '../../../lib/protocol.ts';
import type { RecorderState } from '../../../lib/state.ts';
import type { TargetTab } from '../tab.ts';

export interface PanelState {
  phase: 'loading' | 'signedOut' | 'ready';
  email: string;
  backendUrl: string | null;
  tab: TargetTab | null;
  sites: SiteSummary[];
  orgs: OrgSummary[];
  siteId: string | null;
  recorder: RecorderState;
  flows: FlowSummary[];
  error: string | null;
  info: string | null;
  busy: boolean;
  /** Whether the extension may run on the tab's origin (optional host permission); null when unknown or not a web page. */
  hostAccess: boolean | null;
  /** Names of the credentials stored for a site (never values); null until loaded for it. */
  storedSecrets: { siteId: string; names: string[] } | null;
}

export interface PanelActions {
  init(): Promise<void>;
  signIn(email: string, password: string): Promise<void>;
  signOut(): Promise<void>;
  setBackend(url: string, anonKey: string): Promise<boolean>;
  refreshTab(): Promise<void>;
  loadSites(): Promise<void>;
  selectSite(id: string): void;
  addSite(organizationId: string, name: string): Promise<void>;
  record(): Promise<void>;
  stop(): Promise<void>;
  discard(): Promise<void>;
  edit(edit: EditRequest): Promise<boolean>;
  /** Starts (kind) or cancels (null) picking an element on the page for a check. */
  pick(kind: PickKind | null): Promise<void>;
  save(): Promise<void>;
  loadFlows(): Promise<void>;
  openFlow(id: string): Promise<void>;
  exportFlow(format: 'flowlens' | 'chrome'): Promise<void>;
  /** Downloads a saved flow as a Playwright test (core's generator, in the background). */
  exportPlaywright(flowId: string): Promise<void>;
  importFile(file: File): Promise<void>;
  setError(error: string | null): void;
  setInfo(info: string | null): void;
  /** Re-reads whether the tab's origin is granted (after a grant, a removal, a tab change). */
  checkHostAccess(): Promise<void>;
  loadStoredSecrets(): Promise<void>;
  /** Sends the value to the background once; it is kept nowhere here. */
  storeSecret(name: string, value: string): Promise<boolean>;
  /** After the user granted the tab's origin: the overlay registered and shown in `tabId` now (false: the background did not answer). */
  enableOverlay(tabId: number | undefined): Promise<boolean>;
  /** Starts the guided walkthrough of a saved flow in `tabId`, else a new tab (issue 9); the error sentence, or null. */
  startWalkthrough(flowId: string, tabId: number | undefined): Promise<string | null>;
}

export type PanelStore = PanelState & PanelActions;
export type SetPanel = (partial: Partial<PanelState>) => void;
export type GetPanel = () => PanelStore;
