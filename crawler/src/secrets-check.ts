/**
 * Missing configuration is not a site bug: before replaying anything, every `{{secret:NAME}}` the
 * flows use is looked up, and what is missing is listed with where to set it. `flowlens check`
 * exits 2 with that list; the worker records such a flow as needing setup instead of running it.
 */
import { findSecretNames, type Flow } from '@flowlens/core';

export interface MissingSecret {
  name: string;
  /** Flows that use it, in order. */
  flows: string[];
}

/** Every secret the flows use that `lookup` does not have, in order of first use. */
export function missingSecrets(flows: readonly Flow[], lookup: (name: string) => string | undefined): MissingSecret[] {
  const out = new Map<string, MissingSecret>();
  for (const flow of flows) {
    for (const step of flow.steps) {
      const value = 'value' in step && typeof step.value === 'string' ? step.value : '';
      for (const name of findSecretNames(value)) {
        const v = lookup(name);
        if (v !== undefined && v !== '') continue;
        const m = out.get(name) ?? { name, flows: [] };
        if (!m.flows.includes(flow.name)) m.flows.push(flow.name);
        out.set(name, m);
      }
    }
  }
  return [...out.values()];
}

/** The CLI's message: which environment variables to set, and which flows need them. */
export function describeMissingSecrets(missing: readonly MissingSecret[]): string {
  const lines = missing.map((m) => `  FLOWLENS_SECRET_${m.name}   (used by ${m.flows.map((f) => JSON.stringify(f)).join(', ')})`);
  return `The flows use secret${missing.length === 1 ? '' : 's'} that ${missing.length === 1 ? 'is' : 'are'} not set. Set ${missing.length === 1 ? 'this environment variable' : 'these environment variables'} and run again:\n${lines.join('\n')}\nNothing was replayed: a missing setting is not a bug of the site.`;
}

/** The worker's message for a flow it did not run: what to set, and where. */
export function needsSetupMessage(missing: readonly MissingSecret[]): string {
  const names = missing.map((m) => m.name).join(', ');
  return `Needs setup: the flow uses the secret${missing.length === 1 ? '' : 's'} ${names}, not set for this site. Store ${missing.length === 1 ? 'it' : 'them'} in the dashboard under Settings → Credentials (or in the extension's side panel when you open the flow); the flow was not run, and this is not a bug of the site.`;
}

/**
 * The worker's result for a flow that needs setup: `errored` (FlowLens could not run it), so it
 * raises no bug and stays out of the health score; every step skipped, the first carrying the fix.
 */
export function needsSetupResult<V extends string>(flow: Flow, viewport: V, missing: readonly MissingSecret[]) {
  const message = needsSetupMessage(missing);
  return {
    flow: flow.name,
    critical: flow.critical,
    viewport,
    status: 'errored' as const,
    steps: flow.steps.map((s, index) => ({ index, action: s.action, label: s.label || `${s.action} step`, status: 'skipped' as const, durationMs: 0, ...(index === 0 ? { error: message } : {}) })),
    attempts: 1,
    flaky: false,
    confirmed: false,
    failure: { stepIndex: 0, message, pageUrl: '', screenshot: null, startPageDown: false },
    findings: [],
    pages: [],
    blocked: [],
    traps: { popupsClosed: 0, dialogsDismissed: 0, downloadsRefused: 0 },
    consoleLines: [],
    durationMs: 0,
  };
}
