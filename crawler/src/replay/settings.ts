/** Detector settings shared by `flowlens check` and the worker. */
import { createRequire } from 'node:module';
import { LinkCache } from '../detectors/broken-links.ts';
import type { PageFingerprint } from '../detectors/page-structure.ts';
import type { Baseline } from '../detectors/performance.ts';
import type { DetectorSettings } from './page-session.ts';

let axeSource: string | null = null;

/** axe-core's source, read once (the detector takes its engine as input so tests can swap it). */
export function loadAxeSource(): string {
  axeSource ??= (createRequire(import.meta.url)('axe-core') as { source: string }).source;
  return axeSource;
}

export function detectorSettings(opts: {
  enabled?: boolean;
  baselines?: readonly Baseline[];
  knownPages?: ReadonlyMap<string, PageFingerprint>;
  checkExternalLinks?: boolean;
  axeTimeoutMs?: number;
  linkCache?: LinkCache;
} = {}): DetectorSettings {
  return {
    enabled: opts.enabled ?? true,
    axeSource: opts.enabled === false ? '' : loadAxeSource(),
    axeTimeoutMs: opts.axeTimeoutMs ?? 8000,
    linkCache: opts.linkCache ?? new LinkCache(),
    checkExternalLinks: opts.checkExternalLinks ?? true,
    baselines: opts.baselines ?? [],
    knownPages: opts.knownPages ?? new Map(),
    timings: new Map(),
  };
}
