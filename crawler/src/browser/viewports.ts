/**
 * The three viewports FlowLens replays on (issue 3): desktop 1920×1080, tablet 768×1024 and mobile
 * 375×812 with touch and a mobile user agent, so sites that sniff for mobile serve their mobile UI.
 */
import type { BrowserContextOptions } from 'playwright';

export const VIEWPORT_NAMES = ['desktop', 'tablet', 'mobile'] as const;
export type ViewportName = (typeof VIEWPORT_NAMES)[number];

const MOBILE_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36 FlowLens';
const TABLET_UA =
  'Mozilla/5.0 (Linux; Android 14; Pixel Tablet) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 FlowLens';

export const VIEWPORTS: Record<ViewportName, BrowserContextOptions> = {
  desktop: { viewport: { width: 1920, height: 1080 }, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
  tablet: { viewport: { width: 768, height: 1024 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true, userAgent: TABLET_UA },
  mobile: { viewport: { width: 375, height: 812 }, deviceScaleFactor: 3, isMobile: true, hasTouch: true, userAgent: MOBILE_UA },
};

export function parseViewports(list: string): ViewportName[] {
  const names = list.split(',').map((s) => s.trim()).filter(Boolean);
  const bad = names.filter((n) => !(VIEWPORT_NAMES as readonly string[]).includes(n));
  if (bad.length > 0) throw new Error(`Unknown viewport ${bad.map((b) => `"${b}"`).join(', ')}: use ${VIEWPORT_NAMES.join(', ')}.`);
  if (names.length === 0) throw new Error(`No viewport given: use ${VIEWPORT_NAMES.join(', ')}.`);
  return [...new Set(names)] as ViewportName[];
}
