/**
 * The three viewports FlowLens replays on (issue 3): desktop 1920×1080, tablet 768×1024, mobile
 * 375×812 with touch. Names match the `viewport` check constraints in the database; the crawler
 * emulates these sizes, and the dashboard and overlay label results with them.
 */

export const VIEWPORT_NAMES = ['desktop', 'tablet', 'mobile'] as const;
export type ViewportName = (typeof VIEWPORT_NAMES)[number];

export interface ViewportSize {
  width: number;
  height: number;
}

export interface ViewportPreset extends ViewportSize {
  deviceScaleFactor: number;
  isMobile: boolean;
  hasTouch: boolean;
}

export const VIEWPORT_PRESETS: Readonly<Record<ViewportName, ViewportPreset>> = {
  desktop: { width: 1920, height: 1080, deviceScaleFactor: 1, isMobile: false, hasTouch: false },
  tablet: { width: 768, height: 1024, deviceScaleFactor: 2, isMobile: true, hasTouch: true },
  mobile: { width: 375, height: 812, deviceScaleFactor: 3, isMobile: true, hasTouch: true },
};

/**
 * User agents for the touch viewports, so sites that sniff for mobile serve their mobile UI (desktop
 * keeps the browser's own). Shared by the crawler and the Playwright export's projects.
 */
export const VIEWPORT_USER_AGENTS: Readonly<Partial<Record<ViewportName, string>>> = {
  tablet: 'Mozilla/5.0 (Linux; Android 14; Pixel Tablet) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36 FlowLens',
  mobile: 'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36 FlowLens',
};

export function isViewportName(value: unknown): value is ViewportName {
  return typeof value === 'string' && (VIEWPORT_NAMES as readonly string[]).includes(value);
}

/** The viewport class a width belongs to (CSS breakpoints: < 768 mobile, < 1024 tablet). */
export function viewportNameForWidth(width: number): ViewportName {
  if (width < 768) return 'mobile';
  if (width < 1024) return 'tablet';
  return 'desktop';
}
