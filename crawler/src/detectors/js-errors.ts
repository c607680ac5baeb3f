/** Uncaught exceptions and unhandled promise rejections in the page. */
import type { Page } from 'playwright';
import { MAX_LISTENER_FINDINGS, type Detector, type DetectorContext, type Finding } from './types.ts';

/** The script an error came from, without line and column (they change with every build). */
export function errorSource(stack: string | undefined): string | undefined {
  const frame = stack?.split('\n').find((l) => /https?:\/\//.test(l));
  const url = frame?.match(/(https?:\/\/[^\s)]+?)(?::\d+){0,2}\)?\s*$/)?.[1];
  if (!url) return undefined;
  try {
    const u = new URL(url);
    return u.pathname;
  } catch {
    return undefined;
  }
}

export class JsErrorDetector implements Detector {
  readonly name = 'js-errors';
  private findings: Finding[] = [];

  attach(page: Page, ctx: DetectorContext): void {
    let kept = 0;
    page.on('pageerror', (error) => {
      if (kept >= MAX_LISTENER_FINDINGS) return;
      kept += 1;
      this.findings.push({
        type: 'js_error',
        pageUrl: page.url(),
        viewport: ctx.viewport,
        message: `${error.name}: ${error.message}`.slice(0, 1000),
        source: errorSource(error.stack),
        ...(error.stack ? { stack: error.stack.slice(0, 2000) } : {}),
      });
    });
  }

  drain(): Finding[] {
    const out = this.findings;
    this.findings = [];
    return out;
  }
}
