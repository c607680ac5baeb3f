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
