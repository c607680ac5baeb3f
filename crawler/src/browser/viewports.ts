/**
 * Browser-context options for the three viewports (sizes from core's VIEWPORT_PRESETS, the one
 * definition shared with the dashboard and overlay), plus core's mobile and tablet user agents so
 * sites that sniff for mobile serve their mobile UI.
 */
import { VIEWPORT_NAMES, VIEWPORT_PRESETS, VIEWPORT_USER_AGENTS, type ViewportName } from '@flowlens/core';
import type { BrowserContextOptions } from 'playwright';

export { VIEWPORT_NAMES, type ViewportName };

export const VIEWPORTS = Object.fromEntries(
  VIEWPORT_NAMES.map((name) => {
    const p = VIEWPORT_PRESETS[name];
    const ua = VIEWPORT_USER_AGENTS[name];
    return [name, { viewport: { width: p.width, height: p.height }, deviceScaleFactor: p.deviceScaleFactor, isMobile: p.isMobile, hasTouch: p.hasTouch, ...(ua ? { userAgent: ua } : {}) }];
  }),
) as Record<ViewportName, BrowserContextOptions>;

export function parseViewports(list: string): ViewportName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(VIEWPORT_NAMES as readonly string[]).includes(n));
  if (bad.length > 0) throw new Error(`Unknown viewport ${bad.map((b) => `"${b}"`).join(', ')}: use ${VIEWPORT_NAMES.join(', ')}.`);
  if (names.length === 0) throw new Error(`No viewport given: use ${VIEWPORT_NAMES.join(', ')}.`);
  return [...new Set(names)] as ViewportName[];
}
