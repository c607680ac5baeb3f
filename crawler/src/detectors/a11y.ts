/**
 * Accessibility with axe-core (passed in, so tests can swap the engine): one finding per rule ×
 * node. `incomplete` results (axe could not decide) are counted apart, never reported as bugs.
 * axe is bounded by a timeout per page; when it trips, the run is repeated without the expensive
 * color-contrast rule and the findings are marked partial. Nodes inside a header, footer or nav
 * shared across pages are flagged site-wide so they become one bug, not one per page.
 */
import { A11Y_IMPACTS } from '@flowlens/core/bug';
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

function parseAxeOut(raw: unknown): AxeOut {
  const parsed = AxeOutSchema.safeParse(raw);
  if (!parsed.success) throw new Error(`axe returned an unexpected result: ${parsed.error.issues[0]?.message ?? 'unreadable'}`);
  return parsed.data;
}

export class A11yDetector implements Detector {
  readonly name = 'a11y';
  private findings: Finding[] = [];
  /** Per page URL: how many results axe left undecided; reported as a count, not as bugs. */
  readonly incomplete = new Map<string, number>();
  /** Duration of each axe run in ms (the benchmark reads these). */
  readonly durations: number[] = [];

  constructor(
    private readonly engine: AxeEngine,
    private readonly opts: A11yOptions = {},
  ) {}

  /** Loads axe into the page's world ahead of inspect() (the caller overlaps it with other reads). */
  prepare(page: Page): Promise<void> {
    return isolatedWorld(page).ensure('axe', this.engine.source);
  }

  async inspect(page: Page, ctx: DetectorContext): Promise<void> {
    const timeoutMs = this.opts.timeoutMs ?? 5000;
    const started = Date.now();
    const inject = (p: Page) => isolatedWorld(p).ensure('axe', this.engine.source);
    await inject(page);
    const args = { tags: this.opts.tags ?? ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] };
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
    this.incomplete.set(page.url(), out.incomplete);
    for (const v of out.violations) {
      for (const node of v.nodes) {
        this.findings.push({
          type: 'a11y',
          pageUrl: page.url(),
          viewport: ctx.viewport,
          selector: node.target,
          message: `${v.help} (${v.id})`,
          axe: { ruleId: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl, target: node.target, html: node.html, partial, siteWide: node.siteWide },
        });
      }
    }
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
