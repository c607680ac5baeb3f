/**
 * console.error calls. Network failures Chromium logs to the console ("Failed to load resource…")
 * are left to the failed-requests detector so one broken request is one bug. The last lines of
 * the console are kept as evidence for every other bug on the page.
 */
import type { ConsoleMessage, Page } from 'playwright';
import { MAX_LISTENER_FINDINGS, type Detector, type DetectorContext, type Finding } from './types.ts';

const NETWORK_NOISE = /^Failed to load resource:|net::ERR_/;

export class ConsoleErrorDetector implements Detector {
  readonly name = 'console-errors';
  private findings: Finding[] = [];
  private readonly lines: string[] = [];
  private kept = 0;

  attach(page: Page, ctx: DetectorContext): void {
    page.on('console', (msg: ConsoleMessage) => {
      const text = msg.text().slice(0, 500);
      this.lines.push(`[${msg.type()}] ${text}`);
      if (this.lines.length > 20) this.lines.shift();
      if (msg.type() !== 'error' || NETWORK_NOISE.test(text) || this.kept >= MAX_LISTENER_FINDINGS) return;
      this.kept += 1;
      this.findings.push({ type: 'console_error', pageUrl: page.url(), viewport: ctx.viewport, message: text });
    });
    page.on('pageerror', (e) => {
      this.lines.push(`[uncaught] ${e.name}: ${e.message}`.slice(0, 500));
      if (this.lines.length > 20) this.lines.shift();
    });
  }

  /** The most recent console lines (at most 20), for evidence. */
  recent(): string[] {
    return [...this.lines];
  }

  drain(): Finding[] {
    const out = this.findings;
    this.findings = [];
    return out;
  }
}
