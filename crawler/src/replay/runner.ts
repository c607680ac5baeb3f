/**
 * Replays one flow on one viewport in a fresh browser context, step by step.
 *
 * Each step resolves its element with the shared locator engine (selectors first, healing when
 * the page drifted), acts on it through Playwright (so actionability waits apply), and ends in a
 * named state: passed, healed, failed or skipped. A failed step stops the flow (unless the step is
 * optional); the steps after it are skipped. A flow that fails is retried once in a fresh context:
 * failing twice confirms it, passing the second time makes it flaky — reported, not a bug.
 *
 * Secret placeholders are filled only at the moment of typing, and only into a page of the site's
 * own origins (issue 12); the values used are redacted from everything the run returns (step
 * errors, URLs, console lines, findings), and failure screenshots mask the fields they were typed
 * into. A flow only ever takes the browser to http(s) documents: a navigate step to another scheme
 * fails, and a frame that ends up on one stops the flow before any step or detector reads it.
 */
import { randomBytes } from 'node:crypto';
import type { Frame, Locator, Page } from 'playwright';
import { fillSecrets, findSecretNames, isAllowedDocumentUrl, redactSecretValues, redactSecretsDeep, secretVariants, webUrlProblem, type Flow, type Step } from '@flowlens/core';
import type { Lease, PageTraps } from '../browser/pool.ts';
import type { ViewportName } from '../browser/viewports.ts';
import type { Finding } from '../detectors/types.ts';
import type { BlockedRequest } from '../net/guard-proxy.ts';
import { describeDoubt, doubtBefore, doubtOf, type StepDoubt } from './doubt.ts';
import { locatorBundle } from './locator-bundle.ts';
import { PageSession, type DetectorSettings, type PageVisit } from './page-session.ts';

export type StepStatus = 'passed' | 'healed' | 'failed' | 'skipped';

export interface SelectorRef {
  kind: string;
  value: string;
}

export interface StepResult {
  index: number;
  action: Step['action'];
  label: string;
  status: StepStatus;
  durationMs: number;
  selectorUsed?: SelectorRef;
  healing?: { confidence: number; from: SelectorRef | null; to: SelectorRef };
  error?: string;
  /** Why this step's action was uncertain (healed, tie-broken, a contradicting match seen); see doubt.ts. */
  doubt?: string;
}

export interface FlowFailure {
  stepIndex: number;
  message: string;
  pageUrl: string;
  screenshot: Buffer | null;
  /** The start page itself did not load (DESIGN.md §5: P0). */
  startPageDown: boolean;
}

export interface FlowRunResult {
  flow: string;
  critical: boolean;
  viewport: ViewportName;
  status: 'passed' | 'failed' | 'errored';
  steps: StepResult[];
  attempts: number;
  /** Failed first, passed on the retry. */
  flaky: boolean;
  /** Failed on the retry too. */
  confirmed: boolean;
  /** The failure followed an uncertain action: not retried, and this is the step that probably went wrong. */
  suspect?: StepDoubt;
  failure: FlowFailure | null;
  findings: Finding[];
  pages: PageVisit[];
  blocked: BlockedRequest[];
  /** Popups closed, dialogs dismissed and downloads refused on the way. */
  traps: PageTraps;
  consoleLines: string[];
  durationMs: number;
}

export interface AmbiguityCandidate {
  index: number;
  score: number;
  meta: Record<string, unknown>;
}

/** Settles an ambiguous match (e.g. with Claude); returns the candidate index or null. */
export type TieBreaker = (input: { step: Step; stepLabel: string; candidates: AmbiguityCandidate[]; page: Page }) => Promise<number | null>;

export interface RunOptions {
  viewport: ViewportName;
  /** Fresh context per attempt. */
  newContext: () => Promise<Lease>;
  siteOrigin: string;
  templateOf: (url: string) => string;
  secrets: (name: string) => string | undefined;
  detectors: DetectorSettings;
  /** Per-step timeout when the step and flow give none. */
  stepTimeoutMs?: number;
  /** A healed match must stay the best for this long before it is trusted (the page may still be rendering the real one). */
  healGraceMs?: number;
  /** Retry a failed flow once in a fresh context (default true). */
  retry?: boolean;
  tieBreaker?: TieBreaker;
  onStep?: (event: { attempt: number; step: StepResult }) => void;
  /** Templates already inspected in this job (shared across flows of one viewport). */
  inspected?: Set<string>;
  /** Only screenshots of these origins are taken (the site's pages). */
  screenshotOrigins?: readonly string[];
  /**
   * Origins a `{{secret:…}}` may be typed on: the site's own and its allowed origins (an SSO
   * provider). Default: siteOrigin only.
   */
  secretOrigins?: readonly string[];
}

/** The secret values this run typed, by name: everything it returns is redacted with them. */
type SecretsUsed = Record<string, string>;

interface InPageResolution {
  status: 'found' | 'healed' | 'not_found' | 'ambiguous';
  selectorUsed: SelectorRef | null;
  confidence: number | null;
  explanation: string | null;
  candidates: AmbiguityCandidate[];
  /** A selector's unique match contradicted the recording (its note). */
  contradicted?: string | null;
  tieBroken?: boolean;
}

class StepError extends Error {}

const DEFAULT_STEP_TIMEOUT = 10_000;
/** A step's actions are bounded by its timeout; this is the margin before the runner stops waiting for a page that no longer answers. */
const STEP_DEADLINE_SLACK_MS = 5000;
/** The page detectors of one document (axe has its own, shorter limits inside). */
const INSPECT_DEADLINE_MS = 30_000;

/**
 * Settles with `work`, or throws `message` after `ms`. A page stuck in a script loop never answers
 * an evaluate: the run must not wait for it (the work goes on unobserved until the context closes).
 */
async function withDeadline<T>(work: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => {}); // observed below; a late rejection after the deadline is expected
  try {
    return await Promise.race([work, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new StepError(message)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

function originOf(url: string): string | null {
  try {
    const origin = new URL(url).origin;
    return origin === 'null' ? null : origin;
  } catch {
    return null;
  }
}

/** A secret is typed only on the site's own origins; the message names the origin and the secret, never its value. */
function assertSecretOrigin(frame: Frame, names: readonly string[], opts: RunOptions): void {
  const allowed = opts.secretOrigins ?? [opts.siteOrigin];
  const origin = originOf(frame.url());
  if (origin !== null && allowed.includes(origin)) return;
  const where = origin ?? `a page without an origin (${frame.url().slice(0, 60)})`;
  throw new StepError(
    `refused to type the secret ${names.join(', ')} into ${where}: FlowLens types this site's secrets only on ${allowed.join(', ')}. ` +
      `If ${where} is your sign-in provider, add it to the site's allowed origins (flowlens check: --allow-origin ${origin ?? 'ORIGIN'}).`,
  );
}

/**
 * A PNG of the page for a failed step, or null when it would show a secret: fields a secret was
 * typed into (and every password field) are masked, and a page that shows a secret value in its
 * text or in any field is not photographed at all.
 */
async function safeScreenshot(page: Page, used: SecretsUsed): Promise<Buffer | null> {
  const values = Object.values(used).filter((v) => v.length >= 4);
  if (values.length > 0) {
    const text = await withDeadline(
      page.evaluate(() => {
        const fields = Array.from(document.querySelectorAll('input, textarea')).map((e) => (e as HTMLInputElement).value);
        return `${document.body?.innerText ?? ''}\n${fields.join('\n')}`.slice(0, 2_000_000);
      }),
      3000,
      'page did not answer',
    ).catch(() => null);
    if (text === null || values.some((v) => secretVariants(v).some((variant) => text.includes(variant)))) return null;
  }
  return page
    .screenshot({ type: 'png', timeout: 5000, mask: [page.locator('input[type="password" i], [data-flowlens-secret]')] })
    .catch(() => null);
}

function frameFor(page: Page, path: readonly number[] | undefined): Frame {
  let frame = page.mainFrame();
  for (const i of path ?? []) {
    const child = frame.childFrames()[i];
    if (!child) throw new StepError(`the recorded iframe (path ${path!.join('.')}) is not on the page`);
    frame = child;
  }
  return frame;
}

async function ensureLocator(frame: Frame): Promise<void> {
  const has = await frame.evaluate(() => Boolean((window as unknown as { __flowlensLocator?: unknown }).__flowlensLocator)).catch(() => false);
  if (!has) await frame.evaluate(await locatorBundle());
}

/** Resolves in the page in one round trip; the engine is injected first only on a new document. */
async function resolveInPage(frame: Frame, step: Step, nonce: string): Promise<InPageResolution> {
  const attempt = () =>
    frame.evaluate(
      ({ step, nonce }) => {
        type Cand = { score: number; element: Element; meta: Record<string, unknown> };
        type Res = { status: InPageResolution['status']; element?: Element; selectorUsed?: SelectorRef; confidence?: number; candidates: Cand[] };
        const L = (window as unknown as { __flowlensLocator?: { resolveStep: (r: Document, s: unknown) => Res; explainResolveFailure: (r: Res) => string } }).__flowlensLocator;
        if (!L) return null;
        for (const old of Array.from(document.querySelectorAll('[data-flowlens-target], [data-flowlens-candidate]'))) {
          old.removeAttribute('data-flowlens-target');
          old.removeAttribute('data-flowlens-candidate');
        }
        const r = L.resolveStep(document, step);
        if (r.element && (r.status === 'found' || r.status === 'healed')) r.element.setAttribute('data-flowlens-target', nonce);
        const top = r.candidates.slice(0, 5);
        if (r.status === 'ambiguous') top.forEach((c, i) => c.element.setAttribute('data-flowlens-candidate', `${nonce}:${i}`));
        return {
          status: r.status,
          selectorUsed: r.selectorUsed ? { kind: r.selectorUsed.kind, value: r.selectorUsed.value } : null,
          confidence: r.confidence ?? null,
          explanation: r.status === 'not_found' || r.status === 'ambiguous' ? L.explainResolveFailure(r) : null,
          candidates: top.map((c, i) => ({ index: i, score: c.score, meta: c.meta })),
          contradicted: (r as { attempts?: { contradicted?: boolean; note?: string }[] }).attempts?.find((a) => a.contradicted)?.note ?? null,
        };
      },
      { step: step as unknown, nonce },
    );
  const first = await attempt();
  if (first) return first;
  await frame.evaluate(await locatorBundle());
  const second = await attempt();
  if (!second) throw new Error('the locator engine could not be loaded into the page');
  return second;
}

function stepTimeout(step: Step, flow: Flow, opts: RunOptions): number {
  return step.timeoutMs ?? flow.timeoutMs ?? opts.stepTimeoutMs ?? DEFAULT_STEP_TIMEOUT;
}

/** Resolves the step's element, polling until it appears or the step times out. */
async function locate(page: Page, step: Step, flow: Flow, opts: RunOptions, label: string): Promise<{ locator: Locator; res: InPageResolution }> {
  const timeout = stepTimeout(step, flow, opts);
  const grace = Math.min(opts.healGraceMs ?? 1500, timeout / 2);
  const started = Date.now();
  const nonce = randomBytes(6).toString('hex');
  let last: InPageResolution | null = null;
  let healedSince: number | null = null;
  let lastError: string | null = null;
  while (Date.now() - started < timeout) {
    try {
      const frame = frameFor(page, step.frame);
      const res = await resolveInPage(frame, step, nonce);
      last = res;
      if (res.status === 'found') return { locator: frame.locator(`[data-flowlens-target="${nonce}"]`), res };
      if (res.status === 'healed') {
        healedSince ??= Date.now();
        if (Date.now() - healedSince >= grace) return { locator: frame.locator(`[data-flowlens-target="${nonce}"]`), res };
      } else healedSince = null;
    } catch (e) {
      // Navigation in progress destroys the execution context; try again on the new document.
      lastError = (e as Error).message.split('\n')[0] ?? null;
    }
    await page.waitForTimeout(100);
  }
  if (last?.status === 'ambiguous' && opts.tieBreaker) {
    const pick = await opts.tieBreaker({ step, stepLabel: label, candidates: last.candidates, page }).catch(() => null);
    if (pick !== null && last.candidates[pick]) {
      const frame = frameFor(page, step.frame);
      const locator = frame.locator(`[data-flowlens-candidate="${nonce}:${pick}"]`);
      if ((await locator.count()) === 1) {
        return { locator, res: { ...last, status: 'healed', confidence: last.candidates[pick]!.score, selectorUsed: null, tieBroken: true } };
      }
    }
  }
  const where = `on "${await page.title().catch(() => '')}" ${page.url()}`;
  throw new StepError(
    `no element for this step after ${Math.round(timeout / 1000)} s ${where}. ${last?.explanation ?? lastError ?? 'The page never became ready.'}`,
  );
}

/** Why Playwright could not act on an element, in the user's words (disabled, hidden, covered). */
async function whyStuck(locator: Locator): Promise<string | null> {
  const info = await locator
    .evaluate((el) => {
      const r = el.getBoundingClientRect();
      const style = getComputedStyle(el);
      const text = ((el as HTMLInputElement).value || el.textContent || '').replace(/\s+/g, ' ').trim().slice(0, 60);
      const top = r.width > 0 && r.height > 0 ? document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2) : null;
      return {
        tag: el.tagName.toLowerCase(),
        text,
        disabled: (el as HTMLButtonElement).disabled === true || el.getAttribute('aria-disabled') === 'true',
        hidden: style.display === 'none' || style.visibility === 'hidden' || r.width === 0 || r.height === 0,
        covered: top && top !== el && !el.contains(top) ? `${top.tagName.toLowerCase()}${top.id ? `#${top.id}` : ''}${top.classList[0] ? `.${top.classList[0]}` : ''}` : null,
      };
    })
    .catch(() => null);
  if (!info) return null;
  const what = `the ${info.tag}${info.text ? ` "${info.text}"` : ''}`;
  if (info.disabled) return `${what} stayed disabled`;
  if (info.hidden) return `${what} is hidden`;
  if (info.covered) return `${what} is covered by ${info.covered}`;
  return null;
}

/** Runs a Playwright action; a timeout becomes a message saying what was wrong with the element. */
async function perform(locator: Locator, timeout: number, action: () => Promise<unknown>): Promise<void> {
  try {
    await action();
  } catch (e) {
    if ((e as Error).name !== 'TimeoutError') throw e;
    const why = await whyStuck(locator);
    throw new StepError(`${why ?? 'the element never became ready to use'} for ${Math.round(timeout / 1000)} s`);
  }
}

async function act(page: Page, step: Step, flow: Flow, opts: RunOptions, label: string): Promise<{ res: InPageResolution | null }> {
  const timeout = stepTimeout(step, flow, opts);
  const value = (v: string) => fillSecrets(v, opts.secrets);
  switch (step.action) {
    case 'navigate': {
      const problem = webUrlProblem(step.url);
      if (problem) throw new StepError(`refused to open ${step.url.slice(0, 100)}: it ${problem}`);
      const response = await page.goto(step.url, { waitUntil: 'load', timeout });
      if (response && response.status() >= 400) throw new StepError(`${step.url} answered ${response.status()}`);
      return { res: null };
    }
    case 'click': {
      const { locator, res } = await locate(page, step, flow, opts, label);
      await perform(locator, timeout, () => locator.click({ timeout, button: step.button, clickCount: step.clickCount, position: step.offset }));
      return { res };
    }
    case 'input': {
      const { locator, res } = await locate(page, step, flow, opts, label);
      const names = findSecretNames(step.value);
      if (names.length > 0) assertSecretOrigin(frameFor(page, step.frame), names, opts);
      const text = value(step.value);
      await perform(locator, timeout, () => locator.fill(text, { timeout }));
      // Marks the field for the screenshot mask (the attribute carries no value).
      if (names.length > 0) await locator.evaluate((el) => el.setAttribute('data-flowlens-secret', '')).catch(() => {});
      return { res };
    }
    case 'select': {
      const { locator, res } = await locate(page, step, flow, opts, label);
      try {
        await locator.selectOption({ value: step.value }, { timeout: Math.min(timeout, 2000) });
      } catch (e) {
        if (!step.optionText) throw e;
        await locator.selectOption({ label: step.optionText }, { timeout });
      }
      return { res };
    }
    case 'check': {
      const { locator, res } = await locate(page, step, flow, opts, label);
      await perform(locator, timeout, () => locator.setChecked(step.checked, { timeout }));
      return { res };
    }
    case 'submit': {
      const { locator, res } = await locate(page, step, flow, opts, label);
      await locator.evaluate((el) => {
        const form = el instanceof HTMLFormElement ? el : (el as HTMLInputElement).form ?? el.closest('form');
        if (!form) throw new Error('the element is not in a form');
        form.requestSubmit();
      });
      return { res };
    }
    case 'keypress': {
      if (step.selectors && step.selectors.length > 0) {
        const { locator, res } = await locate(page, step, flow, opts, label);
        await perform(locator, timeout, () => locator.press(step.key, { timeout }));
        return { res };
      }
      await page.keyboard.press(step.key);
      return { res: null };
    }
    case 'scroll': {
      if (step.selectors && step.selectors.length > 0) {
        const { locator, res } = await locate(page, step, flow, opts, label);
        await locator.evaluate((el, p) => el.scrollTo(p.x ?? 0, p.y ?? 0), { x: step.x, y: step.y });
        return { res };
      }
      await page.evaluate((p) => window.scrollTo(p.x ?? 0, p.y ?? 0), { x: step.x, y: step.y });
      return { res: null };
    }
    case 'waitFor': {
      const op = step.operator ?? '>=';
      const count = step.count ?? 1;
      const want = step.state === 'absent' ? 'absent' : 'present';
      const started = Date.now();
      while (Date.now() - started < timeout) {
        const frame = frameFor(page, step.frame);
        await ensureLocator(frame).catch(() => {});
        const n = await frame
          .evaluate((sels) => {
            const L = (window as unknown as { __flowlensLocator: { querySelector: (r: Document, s: unknown) => Element[] } }).__flowlensLocator;
            for (const s of sels) {
              try {
                const m = L.querySelector(document, s);
                if (m.length > 0) return m.length;
              } catch {
                /* try the next selector */
              }
            }
            return 0;
          }, step.selectors as unknown[])
          .catch(() => -1);
        if (n >= 0) {
          const ok = op === '>=' ? n >= count : op === '<=' ? n <= count : n === count;
          if ((want === 'present') === ok) return { res: null };
        }
        await page.waitForTimeout(100);
      }
      throw new StepError(`waited ${Math.round(timeout / 1000)} s for ${want === 'present' ? `${op} ${count}` : 'no'} matching element(s)`);
    }
    case 'assert': {
      const started = Date.now();
      let seen = '';
      while (Date.now() - started < timeout) {
        if (step.assertion === 'urlContains') {
          seen = page.url();
          if (seen.includes(step.value ?? '')) return { res: null };
        } else if (step.assertion === 'titleContains') {
          seen = await page.title().catch(() => '');
          if (seen.includes(step.value ?? '')) return { res: null };
        } else if (step.assertion === 'textVisible' && !(step.selectors && step.selectors.length > 0)) {
          if (await page.getByText(step.value ?? '', { exact: false }).first().isVisible().catch(() => false)) return { res: null };
          seen = 'the text is not visible on the page';
        } else {
          const { locator, res } = await locate(page, step, flow, opts, label);
          if (step.assertion === 'elementVisible' && (await locator.isVisible())) return { res };
          if (step.assertion === 'textVisible' && (await locator.innerText().catch(() => '')).includes(step.value ?? '')) return { res };
          seen = 'the element does not show it';
        }
        await page.waitForTimeout(100);
      }
      throw new StepError(`expected ${step.assertion} "${step.value ?? ''}" but ${step.assertion === 'urlContains' ? `the URL is ${seen}` : step.assertion === 'titleContains' ? `the title is "${seen}"` : seen}`);
    }
    default: {
      const unknown: never = step;
      throw new StepError(`unknown step action ${JSON.stringify((unknown as { action?: unknown }).action)}`);
    }
  }
}

function selectorRef(s: { kind: string; value: string } | undefined): SelectorRef | null {
  return s ? { kind: s.kind, value: s.value } : null;
}

/** One attempt of the flow in one fresh context. */
async function attempt(flow: Flow, opts: RunOptions, attemptNo: number, used: SecretsUsed): Promise<Omit<FlowRunResult, 'attempts' | 'flaky' | 'confirmed' | 'durationMs'>> {
  const lease = await opts.newContext();
  const steps: StepResult[] = [];
  let failure: FlowFailure | null = null;
  try {
    const page = await lease.context.newPage();
    const session = new PageSession(page, opts.viewport, opts.siteOrigin, opts.templateOf, opts.detectors, opts.inspected ?? new Set());
    // Only the web: a frame that lands on file:, data:, chrome:… (by a redirect or a script the
    // browser let through) ends the flow before any step or detector reads it; the top frame is
    // taken off that document at once.
    let offWeb: string | null = null;
    page.on('framenavigated', (frame) => {
      const url = frame.url();
      if (isAllowedDocumentUrl(url) || offWeb !== null) return;
      const top = frame === page.mainFrame();
      offWeb = `${top ? 'the page' : 'a frame of the page'} went to ${url.split(':')[0]}: (${url.slice(0, 60)}); FlowLens only follows http: and https: documents`;
      if (top) void page.goto('about:blank').catch(() => {});
    });
    let stopped = false;
    let inspectAfter = true;
    // The flow starts at its start URL: a first navigate step, if any, is that same visit.
    const all: Step[] = flow.steps[0]?.action === 'navigate' ? flow.steps : [{ action: 'navigate', url: flow.startUrl, label: 'Open the start page', labelSource: 'template' } as Step, ...flow.steps];
    const offset = all.length - flow.steps.length;
    for (let i = 0; i < all.length; i++) {
      const step = all[i]!;
      const index = i - offset;
      const label = step.label || `${step.action} step`;
      if (stopped) {
        if (index >= 0) steps.push({ index, action: step.action, label, status: 'skipped', durationMs: 0 });
        continue;
      }
      const started = Date.now();
      let result: StepResult;
      try {
        if (offWeb) throw new StepError(offWeb);
        const limit = stepTimeout(step, flow, opts) + STEP_DEADLINE_SLACK_MS;
        const { res } = await withDeadline(act(page, step, flow, opts, label), limit, `the page stopped answering: the step did not finish within ${Math.round(limit / 1000)} s`);
        if (offWeb) throw new StepError(offWeb);
        const healed = res?.status === 'healed';
        result = {
          index,
          action: step.action,
          label,
          status: healed ? 'healed' : 'passed',
          durationMs: Date.now() - started,
          ...(res?.selectorUsed ? { selectorUsed: res.selectorUsed } : {}),
          ...(healed && res
            ? { healing: { confidence: Math.round((res.confidence ?? 0) * 1000) / 1000, from: selectorRef('selectors' in step ? step.selectors?.[0] : undefined), to: res.selectorUsed ?? { kind: 'css', value: '(chosen among look-alikes)' } } }
            : {}),
          ...(res && doubtOf(res) ? { doubt: doubtOf(res)! } : {}),
        };
        inspectAfter = true;
      } catch (e) {
        const message = redactSecretValues(e instanceof StepError ? e.message : `${(e as Error).message.split('\n')[0]}`, used);
        result = { index, action: step.action, label, status: step.optional ? 'skipped' : 'failed', durationMs: Date.now() - started, error: message };
        if (!step.optional) {
          stopped = true;
          const onSite = offWeb === null && (opts.screenshotOrigins ?? [opts.siteOrigin]).includes(originOf(page.url()) ?? '');
          failure = {
            stepIndex: Math.max(index, 0),
            message,
            pageUrl: page.url(),
            screenshot: onSite ? await safeScreenshot(page, used) : null,
            startPageDown: index < 0 || (index === 0 && step.action === 'navigate'),
          };
        }
      }
      if (index >= 0) steps.push(result);
      else if (result.status === 'failed') steps.push({ ...result, index: 0, label: 'Open the start page' });
      opts.onStep?.({ attempt: attemptNo, step: result });
      // Page detectors run on each new document the flow reaches, once per template.
      // (The session waits for the document's load event only when it inspects it: a replay
      // without detectors, or on a page already inspected, goes on as a person would.)
      if (inspectAfter && !stopped && offWeb === null) {
        inspectAfter = false;
        await withDeadline(session.inspect(), INSPECT_DEADLINE_MS, 'the page detectors did not finish').catch(() => {});
      }
    }
    if (stopped && offWeb === null) await withDeadline(session.inspect(), INSPECT_DEADLINE_MS, 'the page detectors did not finish').catch(() => {});
    return {
      flow: flow.name,
      critical: flow.critical,
      viewport: opts.viewport,
      status: failure ? 'failed' : 'passed',
      steps,
      failure,
      findings: await session.drain(),
      pages: session.visits,
      blocked: lease.blocked(),
      traps: lease.traps(),
      consoleLines: session.consoleLines(),
    };
  } finally {
    await lease.close();
  }
}

/** The run's result with every secret value it typed replaced by its placeholder (the screenshot is already masked). */
function redactResult(result: FlowRunResult, used: SecretsUsed): FlowRunResult {
  if (Object.keys(used).length === 0) return result;
  const { failure, ...rest } = result;
  const redacted = redactSecretsDeep(rest, used);
  return { ...redacted, failure: failure ? { ...redactSecretsDeep({ ...failure, screenshot: null }, used), screenshot: failure.screenshot } : null };
}

export async function runFlow(flow: Flow, opts: RunOptions): Promise<FlowRunResult> {
  const started = Date.now();
  opts.inspected ??= new Set();
  const used: SecretsUsed = {};
  const lookup = opts.secrets;
  const onStep = opts.onStep;
  const runOpts: RunOptions = {
    ...opts,
    secrets: (name) => {
      const v = lookup(name);
      if (v !== undefined) used[name] = v;
      return v;
    },
    onStep: onStep ? (event) => onStep(redactSecretsDeep(event, used)) : undefined,
  };
  const first = await attempt(flow, runOpts, 1, used);
  // A retry never repeats a harm: a failure after an uncertain action is reported, not retried blind.
  const suspect = first.status === 'failed' && first.failure ? doubtBefore(first.steps, first.failure.stepIndex) : null;
  if (suspect && first.failure) {
    const failure = { ...first.failure, message: `${first.failure.message} ${describeDoubt(suspect)}` };
    return redactResult({ ...first, failure, suspect, attempts: 1, flaky: false, confirmed: true, durationMs: Date.now() - started }, used);
  }
  if (first.status === 'passed' || opts.retry === false) {
    return redactResult({ ...first, attempts: 1, flaky: false, confirmed: first.status !== 'passed', durationMs: Date.now() - started }, used);
  }
  // Confirm in a fresh context before calling it broken; page findings of both attempts count.
  const second = await attempt(flow, runOpts, 2, used);
  const findings = [...first.findings, ...second.findings];
  const pages = [...first.pages, ...second.pages];
  if (second.status === 'passed') {
    return redactResult({ ...second, findings, pages, attempts: 2, flaky: true, confirmed: false, durationMs: Date.now() - started }, used);
  }
  return redactResult({ ...second, findings, pages, attempts: 2, flaky: false, confirmed: true, durationMs: Date.now() - started }, used);
}
