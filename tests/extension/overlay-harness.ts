/**
 * Driving the built extension's overlay in real Chromium: launch with the extension loaded, sign in
 * the background as a test user, and look inside the overlay's closed shadow root.
 *
 * The overlay is in a closed shadow root, so neither the page nor Playwright's locators can see
 * into it. Tests evaluate in the extension's isolated world of the page (over CDP), where
 * `chrome.dom.openOrClosedShadowRoot` opens it — the same world the content script runs in.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext, type Page, type Worker } from 'playwright';
import { CHROMIUM_ARGS } from '../../crawler/src/browser/pool.ts';
import { supabaseClient } from '@flowlens/stack/testing';
import type { StackInfo } from '../../stack/src/stack.ts';

export interface ExtensionBrowser {
  context: BrowserContext;
  sw: Worker;
  close: () => Promise<void>;
}

/** `profileDir`: a profile kept across launches (a browser restart); the caller removes it. Else a throwaway one. */
export async function launchWithExtension(extDir: string, viewport = { width: 1280, height: 800 }, profileDir?: string): Promise<ExtensionBrowser> {
  const profile = profileDir ?? mkdtempSync(join(tmpdir(), 'flowlens-overlay-profile-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.FLOWLENS_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    viewport,
    args: [...CHROMIUM_ARGS, `--disable-extensions-except=${extDir}`, `--load-extension=${extDir}`],
  });
  const sw = context.serviceWorkers()[0] ?? (await context.waitForEvent('serviceworker', { timeout: 20_000 }));
  return {
    context,
    sw,
    close: async () => {
      await context.close().catch(() => undefined);
      if (!profileDir) rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * Signs the background in as a user: the session supabase-js would have stored after
 * signInWithPassword, written under its storage key. No test-only code in the extension.
 */
export async function signInBackground(sw: Worker, info: StackInfo, email: string, password: string): Promise<void> {
  const { data, error } = await supabaseClient(info).auth.signInWithPassword({ email, password });
  if (error || !data.session) throw new Error(`sign-in failed: ${error?.message}`);
  await sw.evaluate(async (value) => {
    await (globalThis as unknown as { chrome: { storage: { local: { set: (v: object) => Promise<void> } } } }).chrome.storage.local.set({ 'flowlens.auth': value });
  }, JSON.stringify(data.session));
}

/** The overlay content script's registration (matches), as the background made it. */
export async function registeredMatches(sw: Worker): Promise<string[]> {
  return sw.evaluate(async () => {
    const c = (globalThis as unknown as { chrome: { scripting: { getRegisteredContentScripts: (f: object) => Promise<{ matches?: string[] }[]> } } }).chrome;
    const [s] = await c.scripting.getRegisteredContentScripts({ ids: ['flowlens-overlay'] });
    return s?.matches ?? [];
  });
}

export async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 15_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`Timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** Evaluates `fn` (no closures) in the extension's isolated world of the page's main frame; null when the content script is not there. */
export async function inIsolatedWorld<T>(page: Page, fn: string, arg: unknown = null): Promise<{ present: false } | { present: true; value: T }> {
  const cdp = await page.context().newCDPSession(page);
  try {
    const contexts: { id: number; name: string; auxData?: { type?: string; frameId?: string } }[] = [];
    cdp.on('Runtime.executionContextCreated', (e: { context: (typeof contexts)[number] }) => contexts.push(e.context));
    const { frameTree } = (await cdp.send('Page.getFrameTree')) as { frameTree: { frame: { id: string } } };
    await cdp.send('Runtime.enable');
    await new Promise((r) => setTimeout(r, 20));
    const ctx = contexts.find((c) => c.auxData?.type === 'isolated' && c.auxData.frameId === frameTree.frame.id && c.name === 'FlowLens');
    if (!ctx) return { present: false };
    const r = (await cdp.send('Runtime.evaluate', {
      expression: `(${fn})(${JSON.stringify(arg)})`,
      contextId: ctx.id,
      returnByValue: true,
      awaitPromise: true,
    })) as { result: { value: T }; exceptionDetails?: { exception?: { description?: string }; text: string } };
    if (r.exceptionDetails) throw new Error(r.exceptionDetails.exception?.description ?? r.exceptionDetails.text);
    return { present: true, value: r.result.value };
  } finally {
    await cdp.detach().catch(() => undefined);
  }
}

export interface OverlaySnapshot {
  loaded: boolean;
  host: boolean;
  badge: { count: string; worst: string; text: string; x: number; y: number; w: number; h: number } | null;
  open: boolean;
  pins: { id: string; num: string; x: number; y: number; hidden: boolean }[];
  items: { id: string; pinned: boolean; title: string; num: string; html: string; buttons: { cls: string; x: number; y: number }[]; links: string[] }[];
  panelFont: { size: string; family: string } | null;
}

/** Everything the user can see of the overlay, read from inside its shadow root. */
const SNAPSHOT = `() => {
  const loaded = globalThis.__flowlensOverlay === true;
  const host = document.querySelector('flowlens-overlay');
  if (!host) return { loaded, host: false, badge: null, open: false, pins: [], items: [], panelFont: null };
  const root = chrome.dom.openOrClosedShadowRoot(host);
  const center = (el) => { const r = el.getBoundingClientRect(); return { x: r.left + r.width / 2, y: r.top + r.height / 2, w: r.width, h: r.height }; };
  const b = root.querySelector('.badge');
  const panel = root.querySelector('.panel');
  const pins = [...root.querySelectorAll('.pin')].map((p) => ({ id: p.dataset.bugId, num: p.textContent, ...center(p), hidden: p.hidden }));
  const items = [...root.querySelectorAll('.item')].map((i) => ({
    id: i.dataset.bugId, pinned: i.dataset.pinned === 'true', title: i.querySelector('.t').textContent, num: i.querySelector('.num').textContent,
    html: i.innerHTML,
    buttons: [...i.querySelectorAll('button')].map((x) => ({ cls: x.className, ...center(x) })),
    links: [...i.querySelectorAll('a')].map((a) => a.href),
  }));
  const cs = panel && !panel.hidden ? getComputedStyle(panel) : null;
  return {
    loaded, host: true,
    badge: b ? { count: b.dataset.count, worst: b.dataset.worst, text: b.textContent, ...center(b) } : null,
    open: !!panel && !panel.hidden, pins, items,
    panelFont: cs ? { size: cs.fontSize, family: cs.fontFamily } : null,
  };
}`;

export async function overlaySnapshot(page: Page): Promise<OverlaySnapshot | null> {
  const r = await inIsolatedWorld<OverlaySnapshot>(page, SNAPSHOT);
  return r.present ? r.value : null;
}

/** The id of the first tab whose URL starts with `urlPrefix`, as the extension sees it (-1 if none). */
export async function tabIdFor(sw: Worker, urlPrefix: string): Promise<number> {
  return sw.evaluate(async (url) => {
    const c = (globalThis as unknown as { chrome: { tabs: { query: (q: object) => Promise<{ id?: number; url?: string }[]> } } }).chrome;
    return (await c.tabs.query({})).find((t) => t.url?.startsWith(url))?.id ?? -1;
  }, urlPrefix);
}

export interface RecorderSnapshot {
  recording: boolean;
  draft: { name: string; critical: boolean; steps: { step: { action: string; frame?: number[] } }[] } | null;
}

/** The recorder's state as the background keeps it (browser.storage.session['flowlens.recorder']). */
export async function recorderState(sw: Worker): Promise<RecorderSnapshot> {
  return sw.evaluate(async () => {
    const c = (globalThis as unknown as { chrome: { storage: { session: { get: (k: string) => Promise<Record<string, unknown>> } } } }).chrome;
    return ((await c.storage.session.get('flowlens.recorder'))['flowlens.recorder'] ?? { recording: false, draft: null }) as never;
  });
}
