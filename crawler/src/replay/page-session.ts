/**
 * Everything the crawler watches on one page while a flow runs or a page is discovered: the
 * listening detectors, and — once per URL template and viewport — the page detectors (metrics,
 * structure, accessibility, overflow, links) when a new document has loaded.
 */
import type { StoredA11yAudit } from '@flowlens/core/queue';
import type { PageA11yAudit } from '@flowlens/core/report';
import type { Page } from 'playwright';
import type { ViewportName } from '../browser/viewports.ts';
import { A11yDetector } from '../detectors/a11y.ts';
import { BrokenLinkDetector, type LinkCache } from '../detectors/broken-links.ts';
import { ConsoleErrorDetector } from '../detectors/console-errors.ts';
import { FailedRequestDetector } from '../detectors/failed-requests.ts';
import { JsErrorDetector } from '../detectors/js-errors.ts';
import { LayoutOverflowDetector } from '../detectors/layout-overflow.ts';
import { fingerprintPage, pageChangedFinding, structureChange, type PageFingerprint } from '../detectors/page-structure.ts';
import { measurePage, perfRegressions, type Baseline, type PageMetrics } from '../detectors/performance.ts';
import type { Detector, DetectorContext, Finding } from '../detectors/types.ts';

/**
 * Above this many elements a page is not run through axe and the layout check: both walk every
 * element in the page's own thread, and a 200,000-element page (the hostile-site suite) would hold
 * the run for minutes. Metrics, structure and links are still read. No real page a person uses
 * comes close (the largest product lists we measured have ~15,000).
 */
export const MAX_INSPECTED_ELEMENTS = 50_000;

export interface DetectorSettings {
  /** Turn every page detector off (replay only): the benchmark's baseline and `--no-detectors`. */
  enabled: boolean;
  axeSource: string;
  axeTimeoutMs: number;
  /** Run axe (on unless turned off; the benchmark measures every detector but axe this way). */
  accessibility?: boolean;
  linkCache: LinkCache;
  checkExternalLinks: boolean;
  baselines: readonly Baseline[];
  /** Stored page fingerprints by URL template, for page_changed. */
  knownPages: ReadonlyMap<string, PageFingerprint>;
  /**
   * The site's stored accessibility audits for this viewport, by URL template: a page whose audit
   * key is unchanged is not audited again (docs/accessibility-audits.md).
   */
  audits: ReadonlyMap<string, StoredA11yAudit>;
  /** Milliseconds each detector spent, by name (the benchmark reads these). */
  timings: Map<string, number[]>;
}

export interface PageVisit {
  url: string;
  urlTemplate: string;
  title: string;
  viewport: ViewportName;
  metrics: PageMetrics | null;
  fingerprint: PageFingerprint | null;
  /** Same-origin link templates found on the page (site graph edges). */
  links: string[];
  a11yIncomplete: number;
  /** The page's accessibility audit: fresh (to store) or reused; absent when axe did not run in full. */
  a11yAudit?: PageA11yAudit;
}

export class PageSession {
  private readonly listeners: Detector[];
  private readonly consoleDetector = new ConsoleErrorDetector();
  /** Page detectors besides axe (axe is run, or its stored audit reused, by inspect()). */
  private readonly inspectors: Detector[];
  private readonly a11y: A11yDetector | null;
  readonly visits: PageVisit[] = [];
  private readonly findings: Finding[] = [];
  private readonly ctx: DetectorContext;
  /** Link checks run in the background while the flow goes on; drain() waits for them. */
  private readonly pending: Promise<void>[] = [];
  private readonly links: BrokenLinkDetector | null;

  constructor(
    readonly page: Page,
    readonly viewport: ViewportName,
    private readonly siteOrigin: string,
    private readonly templateOf: (url: string) => string,
    private readonly settings: DetectorSettings,
    /** Shared across the attempts and flows of a job: a template is inspected once per viewport. */
    private readonly inspected: Set<string>,
  ) {
    this.ctx = { viewport, siteOrigin };
    this.listeners = settings.enabled ? [new JsErrorDetector(), new FailedRequestDetector(), this.consoleDetector] : [this.consoleDetector];
    this.a11y = settings.enabled && settings.accessibility !== false ? new A11yDetector({ source: settings.axeSource }, { timeoutMs: settings.axeTimeoutMs }) : null;
    this.links = settings.enabled ? new BrokenLinkDetector(settings.linkCache, { checkExternal: settings.checkExternalLinks }) : null;
    this.inspectors = settings.enabled ? [new LayoutOverflowDetector()] : [];
    for (const d of this.listeners) d.attach?.(page, this.ctx);
  }

  private time(name: string, ms: number): void {
    const list = this.settings.timings.get(name) ?? [];
    list.push(ms);
    this.settings.timings.set(name, list);
  }

  /** Runs the page detectors on the current document, once per URL template. Only on the site. */
  async inspect(): Promise<void> {
    if (!this.settings.enabled) return;
    const url = this.page.url();
    let origin: string;
    try {
      origin = new URL(url).origin;
    } catch {
      return;
    }
    if (origin !== this.siteOrigin) return;
    const template = this.templateOf(url);
    const key = `${this.viewport} ${template}`;
    if (this.inspected.has(key)) return;
    this.inspected.add(key);
    // The detectors read a loaded document (metrics need the load event; axe the finished page).
    await this.page.waitForLoadState('load', { timeout: 5000 }).catch(() => {});

    // Metrics and structure are two short reads of the same world: asked together.
    const timed = async <T>(name: string, read: () => Promise<T>): Promise<T | null> => {
      const t = Date.now();
      const out = await read().catch(() => null);
      this.time(name, Date.now() - t);
      return out;
    };
    // The page's audit key is read with them. Without a stored audit to compare it with, axe (the
    // largest script) is loaded into the page's world meanwhile; it runs only if the page is not too
    // big for it.
    const stored = this.a11y ? this.settings.audits.get(template) : undefined;
    if (this.a11y && !stored) void this.a11y.prepare(this.page).catch(() => {});
    const [metrics, fingerprint, auditKey] = await Promise.all([
      timed('performance', () => measurePage(this.page)),
      timed('page-structure', () => fingerprintPage(this.page)),
      this.a11y ? timed('a11y-key', () => this.a11y!.auditKey(this.page, this.ctx, MAX_INSPECTED_ELEMENTS)) : null,
    ]);
    const tooBig = (fingerprint?.elements ?? 0) > MAX_INSPECTED_ELEMENTS;
    // The page's own links and title are read while axe runs (axe yields between its rules).
    const facts = Promise.all([
      this.page
        .evaluate((o) => Array.from(document.querySelectorAll('a[href]')).map((a) => (a as HTMLAnchorElement).href).filter((h) => h.startsWith(o)), this.siteOrigin)
        .catch(() => [] as string[]),
      this.page.title().catch(() => ''),
    ]);
    if (this.links) {
      // The links are read now, while axe runs (the page will move on); checking them needs no page.
      const links = this.links;
      const started = Date.now();
      this.pending.push(
        links
          .inspect(this.page, this.ctx)
          .then(() => this.time(links.name, Date.now() - started))
          .catch((e: Error) => {
            this.findings.push({ type: 'console_error', pageUrl: url, viewport: this.viewport, message: `FlowLens detector ${links.name} failed on this page: ${e.message.split('\n')[0]}` });
          }),
      );
    }
    const failed = (d: Detector) => (e: Error) => {
      // A detector that breaks on one page must not break the crawl; it is reported as a note.
      this.findings.push({ type: 'console_error', pageUrl: url, viewport: this.viewport, message: `FlowLens detector ${d.name} failed on this page: ${e.message.split('\n')[0]}` });
    };
    if (this.a11y && !tooBig) {
      const a11y = this.a11y;
      if (stored && auditKey === stored.key) {
        a11y.reuse(this.page, this.ctx, stored);
      } else {
        const t = Date.now();
        await a11y.inspect(this.page, this.ctx, auditKey ?? undefined).catch(failed(a11y));
        this.time(a11y.name, Date.now() - t);
        // An audit is stored only for the page it read: if the page changed while axe ran (content
        // arriving late), the key read before does not describe what was audited.
        if (a11y.audits.has(url) && (await a11y.auditKey(this.page, this.ctx, MAX_INSPECTED_ELEMENTS).catch(() => null)) !== auditKey) a11y.audits.delete(url);
      }
    }
    for (const d of tooBig ? [] : this.inspectors) {
      const t = Date.now();
      await d.inspect?.(this.page, this.ctx).catch(failed(d));
      this.time(d.name, Date.now() - t);
    }
    if (metrics) this.findings.push(...perfRegressions(metrics, this.settings.baselines, { url, urlTemplate: template, viewport: this.viewport }));
    const known = this.settings.knownPages.get(template);
    const change = known && fingerprint ? structureChange(known, fingerprint) : null;
    if (change) this.findings.push(pageChangedFinding(url, this.viewport, change));
    const [links, title] = await facts;
    this.visits.push({
      url,
      urlTemplate: template,
      title,
      viewport: this.viewport,
      metrics,
      fingerprint,
      links: [...new Set(links.map((l) => this.templateOf(l)))].filter((l) => l !== template),
      a11yIncomplete: this.a11y?.incomplete.get(url) ?? 0,
      ...(this.a11y?.audits.has(url) ? { a11yAudit: this.a11y.audits.get(url) } : {}),
    });
  }

  /** Every finding so far, from listening and inspecting detectors (waits for link checks). */
  async drain(): Promise<Finding[]> {
    await Promise.all(this.pending.splice(0));
    const out = [...this.findings.splice(0)];
    for (const d of [...this.listeners, ...(this.a11y ? [this.a11y] : []), ...this.inspectors, ...(this.links ? [this.links] : [])]) out.push(...d.drain());
    return out;
  }

  consoleLines(): string[] {
    return this.consoleDetector.recent();
  }
}
