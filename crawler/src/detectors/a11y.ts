/**
 * Accessibility with axe-core (passed in, so tests can swap the engine): one finding per rule ×
 * node. `incomplete` results (axe could not decide) are counted apart, never reported as bugs.
 * axe is bounded by a timeout per page; when it trips, the run is repeated without the expensive
 * color-contrast rule and the findings are marked partial. Nodes inside a header, footer or nav
 * shared across pages are flagged site-wide so they become one bug, not one per page.
 */
import { createHash } from 'node:crypto';
import { A11Y_IMPACTS } from '@flowlens/core/bug';
import type { StoredA11yAudit } from '@flowlens/core/queue';
import { A11Y_AUDIT_LIMITS, REPORT_LIMITS, type A11yAuditNode, type PageA11yAudit } from '@flowlens/core/report';
import type { Page } from 'playwright';
import { z } from 'zod';
import { call, isolatedWorld } from './isolated-world.ts';
import type { AxeEvidence, Detector, DetectorContext, Finding } from './types.ts';

export interface AxeEngine {
  /** axe-core's source, injected into the page. */
  source: string;
}

/** What came back from the page's world, checked before use (axe's own output, but read across a process boundary). */
const AxeOutSchema = z.object({
  incomplete: z.number().int().nonnegative(),
  violations: z.array(
    z.object({
      id: z.string(),
      impact: z.enum(A11Y_IMPACTS).nullable().catch(null),
      help: z.string(),
      helpUrl: z.string(),
      nodes: z.array(z.object({ target: z.string(), html: z.string(), siteWide: z.boolean() })),
    }),
  ),
});

type AxeOut = z.infer<typeof AxeOutSchema>;

export interface A11yOptions {
  timeoutMs?: number;
  /** Tags of the rules to run (WCAG 2.x A and AA plus best practices by default). */
  tags?: string[];
}

/**
 * Runs axe in the detectors' isolated world (isolated-world.ts) of the page, where the page cannot
 * pre-define `axe` or patch what it uses, and returns plain JSON.
 */
const AXE_RUN = async ({ withContrast, tags }: { withContrast: boolean; tags: string[] }): Promise<AxeOut> => {
  type AxeResultNode = { target: unknown[]; html: string };
  type AxeResult = { id: string; impact: AxeEvidence['impact']; help: string; helpUrl: string; nodes: AxeResultNode[] };
  const axe = (window as unknown as { axe: { run: (ctx: Document, opts: unknown) => Promise<{ violations: AxeResult[]; incomplete: AxeResult[] }> } }).axe;
  const res = await axe.run(document, {
    resultTypes: ['violations', 'incomplete'],
    runOnly: { type: 'tag', values: tags },
    rules: withContrast ? {} : { 'color-contrast': { enabled: false } },
  });
  const shared = 'header, footer, nav, [role="banner"], [role="contentinfo"], [role="navigation"]';
  return {
    incomplete: res.incomplete.reduce((n, r) => n + r.nodes.length, 0),
    violations: res.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => {
        const target = n.target.map(String).join(' ');
        let el: Element | null;
        try {
          el = n.target.length === 1 ? document.querySelector(String(n.target[0])) : null;
        } catch {
          el = null;
        }
        return { target, html: n.html.slice(0, 300), siteWide: Boolean(el?.closest(shared)) };
      }),
    })),
  };
};

/**
 * Everything axe's verdict on a document depends on, as one string (hashed in Node into the audit's
 * key): the document with its open shadow roots, every style sheet's rules (a cross-origin sheet the
 * page cannot read counts by its address), images' sources and sizes, loaded fonts, the viewport and
 * the scroll position. Left out as axe never reads them: script and noscript text and the values of
 * hidden inputs (tokens that change on every request would otherwise make every page look changed).
 */
const AUDIT_INPUT = ({ maxElements, maxChars }: { maxElements: number; maxChars: number }): string | null => {
  // A page too big for axe (page-session's MAX_INSPECTED_ELEMENTS) is not audited: nothing to key.
  if (document.getElementsByTagName('*').length > maxElements) return null;
  const out: string[] = [document.URL, `${innerWidth}x${innerHeight}@${devicePixelRatio} ${scrollX},${scrollY}`];
  // What comes back crosses into the worker: a page with more text or CSS than this gets no key
  // (it is audited every time) rather than a string the size of whatever it chose to hold.
  let chars = 0;
  const push = (part: string): void => {
    chars += part.length;
    if (chars > maxChars) throw new RangeError('too large');
    out.push(part);
  };
  const roots: (Document | ShadowRoot)[] = [document];
  const walk = (parent: Node): void => {
    for (let n = parent.firstChild; n; n = n.nextSibling) {
      if (n.nodeType === Node.TEXT_NODE) {
        push(n.nodeValue ?? '');
        continue;
      }
      if (n.nodeType !== Node.ELEMENT_NODE) continue;
      const el = n as Element;
      const tag = el.localName;
      const hidden = tag === 'input' && (el as HTMLInputElement).type === 'hidden';
      push(`<${tag}`);
      for (const a of Array.from(el.attributes)) if (!(hidden && a.name === 'value')) push(` ${a.name}=${JSON.stringify(a.value)}`);
      push('>');
      if (el.shadowRoot) {
        roots.push(el.shadowRoot);
        push('<#shadow>');
        walk(el.shadowRoot);
        push('</#shadow>');
      }
      if (tag !== 'script' && tag !== 'noscript') walk(el);
      push('</>');
    }
  };
  try {
    walk(document);
    for (const root of roots) {
      for (const sheet of [...Array.from(root.styleSheets), ...(root.adoptedStyleSheets ?? [])]) {
        let rules: string;
        try {
          rules = Array.from(sheet.cssRules, (r) => r.cssText).join('\n');
        } catch {
          rules = `(not readable) ${sheet.href ?? ''}`;
        }
        push(`<#sheet ${sheet.disabled ? 'off' : 'on'} ${sheet.media.mediaText}>${rules}`);
      }
    }
    for (const img of Array.from(document.images)) push(`<#img ${img.currentSrc} ${img.naturalWidth}x${img.naturalHeight}>`);
    document.fonts.forEach((f) => {
      if (f.status === 'loaded') push(`<#font ${f.family} ${f.style} ${f.weight} ${f.stretch}>`);
    });
  } catch (e) {
    // Past maxChars, or nested deeper than the walk's stack allows: no key.
    if (e instanceof RangeError) return null;
    throw e;
  }
  return out.join('\u0000');
};

/** Characters of page content (text, attributes, style rules) above which a page gets no audit key. */
export const MAX_AUDIT_INPUT_CHARS = 8_000_000;

function parseAxeOut(raw: unknown): AxeOut {
  const parsed = AxeOutSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`axe returned an unexpected result: ${parsed.error.issues[0]?.message ?? 'unreadable'}`);
  return parsed.data;
}

/** axe's violations as flat nodes, the form an audit is stored and findings are built in. */
function auditNodes(out: AxeOut): A11yAuditNode[] {
  return out.violations.flatMap((v) => v.nodes.map((n) => ({ ruleId: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, target: n.target, html: n.html, siteWide: n.siteWide })));
}

/** Whether a fresh audit's nodes can be stored exactly (nothing the report would cut), so a reuse rebuilds the same findings. */
function storable(nodes: A11yAuditNode[]): boolean {
  const T = REPORT_LIMITS.text;
  return nodes.length <= A11Y_AUDIT_LIMITS.nodes && nodes.every((n) => n.ruleId.length <= T.short && n.help.length <= T.title && n.helpUrl.length <= T.url && n.target.length <= T.selector && n.html.length <= T.html);
}

export class A11yDetector implements Detector {
  readonly name = 'a11y';
  private findings: Finding[] = [];
  /** Per page URL: how many results axe left undecided; reported as a count, not as bugs. */
  readonly incomplete = new Map<string, number>();
  /** Per page URL: the audit the report carries (fresh and storable, or reused). */
  readonly audits = new Map<string, PageA11yAudit>();
  /** Duration of each axe run in ms (the benchmark reads these). */
  readonly durations: number[] = [];
  private readonly tags: string[];
  /** What besides the page decides axe's verdict: the axe build, the rules asked for and how FlowLens reads the result. */
  private readonly identity: string;

  constructor(
    private readonly engine: AxeEngine,
    private readonly opts: A11yOptions = {},
  ) {
    this.tags = opts.tags ?? ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'];
    this.identity = createHash('sha256').update(engine.source).update('\u0000').update(JSON.stringify(this.tags)).update('\u0000').update(AXE_RUN.toString()).digest('hex');
  }

  /** Loads axe into the page's world ahead of inspect() (the caller overlaps it with other reads). */
  prepare(page: Page): Promise<void> {
    return isolatedWorld(page).ensure('axe', this.engine.source);
  }

  /**
   * The audit key of the page as it is now (core's A11yAuditKeySchema): equal keys mean axe would
   * read the same document, styles and viewport with the same build and rules. Null for a page of
   * more than `maxElements` elements or `maxChars` characters of content.
   */
  async auditKey(page: Page, ctx: DetectorContext, maxElements: number, maxChars = MAX_AUDIT_INPUT_CHARS): Promise<string | null> {
    const input = await isolatedWorld(page).evaluate(call(AUDIT_INPUT, { maxElements, maxChars }));
    if (input === null) return null;
    if (typeof input !== 'string') throw new Error('the page could not be read for its audit key');
    return createHash('sha256').update(this.identity).update('\u0000').update(ctx.viewport).update('\u0000').update(input).digest('hex');
  }

  /**
   * Reports a stored audit of this page again instead of running axe: the caller has checked that
   * its key is the page's key now. The findings are the ones the fresh audit gave.
   */
  reuse(page: Page, ctx: DetectorContext, stored: StoredA11yAudit): void {
    const url = page.url();
    this.incomplete.set(url, stored.incomplete);
    this.audits.set(url, { reused: true, key: stored.key, auditedAt: stored.auditedAt });
    this.report(url, ctx, stored.nodes, false);
  }

  private report(pageUrl: string, ctx: DetectorContext, nodes: readonly A11yAuditNode[], partial: boolean): void {
    for (const n of nodes) {
      this.findings.push({
        type: 'a11y',
        pageUrl,
        viewport: ctx.viewport,
        selector: n.target,
        message: `${n.help} (${n.ruleId})`,
        axe: { ruleId: n.ruleId, impact: n.impact, help: n.help, helpUrl: n.helpUrl, target: n.target, html: n.html, partial, siteWide: n.siteWide },
      });
    }
  }

  /**
   * Runs axe on the page. With `key` (the page's audit key, read before axe ran), a full audit whose
   * nodes fit is kept in `audits` for the report, to be stored for the next crawl.
   */
  async inspect(page: Page, ctx: DetectorContext, key?: string): Promise<void> {
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    const started = Date.now();
    const inject = (p: Page) => isolatedWorld(p).ensure('axe', this.engine.source);
    await inject(page);
    const args = { tags: this.tags };
    const runAxe = async (p: Page, withContrast: boolean) => parseAxeOut(await isolatedWorld(p).evaluate(call(AXE_RUN, { ...args, withContrast })));
    let partial = false;
    let out: AxeOut;
    try {
      out = await withTimeout(runAxe(page, true), timeoutMs);
    } catch (e) {
      if (!(e instanceof TimeoutError)) throw e;
      // axe cannot be cancelled and refuses to run twice at once in one document, so the cheaper
      // rerun (no color-contrast) happens in a second tab on the same URL and session.
      // Every call here is bounded: Chromium can leave a tab's close unanswered after a navigation
      // aborted by its timeout, and a detector must never hang a job.
      partial = true;
      let second: Page | null = null;
      try {
        second = await withTimeout(page.context().newPage(), timeoutMs);
        await second.goto(page.url(), { waitUntil: 'load', timeout: timeoutMs });
        await withTimeout(inject(second), timeoutMs);
        out = await withTimeout(runAxe(second, false), timeoutMs);
      } catch {
        out = { violations: [], incomplete: 0 };
      } finally {
        if (second) await withTimeout(second.close(), timeoutMs).catch(() => {});
      }
    }
    this.durations.push(Date.now() - started);
    const url = page.url();
    const nodes = auditNodes(out);
    this.incomplete.set(url, out.incomplete);
    if (key && !partial && storable(nodes)) this.audits.set(url, { reused: false, key, incomplete: out.incomplete, nodes });
    this.report(url, ctx, nodes, partial);
  }

  drain(): Finding[] {
    const out = this.findings;
    this.findings = [];
    return out;
  }
}

export class TimeoutError extends Error {}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(`timed out after ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(timer);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
