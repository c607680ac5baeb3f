/** Detector settings shared by `flowlens check` and the worker. */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { StoredA11yAudit } from '@flowlens/core/queue';
import { LinkCache } from '../detectors/broken-links.ts';
import type { PageFingerprint } from '../detectors/page-structure.ts';
import type { Baseline } from '../detectors/performance.ts';
import type { DetectorSettings } from './page-session.ts';

let axeSource: string | null = null;

/**
 * axe-core's minified build, read once (the detector takes its engine as input so tests can swap
 * it). Not the package's `source` export: that is the unminified build, 1.5 MB that every page would
 * parse (measured: about 2× the injection time of the 0.65 MB minified one; docs/benchmarks/crawler.md).
 */
export function loadAxeSource(): string {
  axeSource ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return axeSource;
}

export function detectorSettings(opts: {
  enabled?: boolean;
  accessibility?: boolean;
  baselines?: readonly Baseline[];
  knownPages?: ReadonlyMap<string, PageFingerprint>;
  /** Stored accessibility audits for the job's viewport, by URL template. */
  audits?: ReadonlyMap<string, StoredA11yAudit>;
  checkExternalLinks?: boolean;
  axeTimeoutMs?: number;
  linkCache?: LinkCache;
} = {}): DetectorSettings {
  return {
    enabled: opts.enabled ?? true,
    axeSource: opts.enabled === false || opts.accessibility === false ? '' : loadAxeSource(),
    axeTimeoutMs: opts.axeTimeoutMs ?? 8000,
    accessibility: opts.accessibility ?? true,
    linkCache: opts.linkCache ?? new LinkCache(),
    checkExternalLinks: opts.checkExternalLinks ?? true,
    baselines: opts.baselines ?? [],
    knownPages: opts.knownPages ?? new Map(),
    audits: opts.audits ?? new Map(),
    timings: new Map(),
  };
}
