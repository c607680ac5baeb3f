/**
 * One browser per process, many contexts (DESIGN.md §7). Contexts are created per flow × viewport
 * and closed after use. The browser itself is recycled after a bounded number of contexts or when
 * its processes grow beyond a memory threshold, because a Chromium kept alive for hours of context
 * churn grows (issue 3): recycling waits for the contexts in use to close, never kills them.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright';
import type { NetworkPolicy } from '../net/address-policy.ts';
import { GuardProxy, type BlockedRequest, type ProxyCredentials } from '../net/guard-proxy.ts';
import { VIEWPORTS, type ViewportName } from './viewports.ts';

/** How long closing a context may take before the browser is considered wedged and replaced. */
const CONTEXT_CLOSE_TIMEOUT_MS = 15_000;

/**
 * Flags every crawl browser runs with. The sandbox is not among them: Playwright removes its own
 * `--no-sandbox` when `chromiumSandbox` is true, which {@link BrowserPool} sets wherever the
 * platform allows it (see sandboxDecision).
 */
export const CHROMIUM_ARGS = [
  '--disable-gpu',
  '--disable-dev-shm-usage',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  // Browser-side services (translation, autofill suggestions…) would otherwise call Google from
  // every context, through the egress guard.
  '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,CertificateTransparencyComponentUpdater,InterestFeedContentSuggestions',
  // WebRTC may only use proxied connections: UDP would go around the egress guard (a STUN
  // "binding request" to a metadata or private address). Chromium then falls back to TCP through
  // the proxy, which the guard vets like any other connection (issue 12).
  '--webrtc-ip-handling-policy=disable_non_proxied_udp',
];

/**
 * Environment variables the browser may see. Everything else the worker holds (the service-role
 * key, the credentials key, the Anthropic key, SMTP settings…) stays out of Chromium's processes,
 * so a renderer exploit or a file read finds nothing there (issue 12).
 */
const BROWSER_ENV_ALLOWED = /^(PATH|LANG|LANGUAGE|LC_[A-Z]+|TZ|FONTCONFIG_FILE|FONTCONFIG_PATH|XDG_[A-Z_]+_DIRS|DISPLAY|WAYLAND_DISPLAY|CHROME_DEVEL_SANDBOX)$/;

/** The browser's environment: the allowed variables, with HOME and TMPDIR in its private folder. */
export function browserEnv(privateDir: string, env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined && BROWSER_ENV_ALLOWED.test(k)) out[k] = v;
  out.HOME = privateDir;
  out.TMPDIR = privateDir;
  out.XDG_CONFIG_HOME = join(privateDir, '.config');
  out.XDG_CACHE_HOME = join(privateDir, '.cache');
  return out;
}

export interface SandboxDecision {
  sandbox: boolean;
  /** Why the sandbox is off, said once in the log. */
  reason: string | null;
}

/**
 * Chromium's sandbox is on wherever the platform allows it: the container image runs the worker as
 * a non-root user, where it works. As root Chromium refuses to start sandboxed, and
 * FLOWLENS_BROWSER_SANDBOX=off turns it off on hosts without user namespaces.
 */
export function sandboxDecision(env: NodeJS.ProcessEnv = process.env, uid: number | null = process.getuid?.() ?? null): SandboxDecision {
  const setting = (env.FLOWLENS_BROWSER_SANDBOX ?? 'auto').toLowerCase();
  if (setting === 'off') return { sandbox: false, reason: 'FLOWLENS_BROWSER_SANDBOX=off' };
  if (uid === 0) return { sandbox: false, reason: 'the worker runs as root, where Chromium cannot start sandboxed (run it as a non-root user, as the container image does)' };
  return { sandbox: true, reason: null };
}

/**
 * window.open answers null, as under a popup blocker: a flow acts in its own tab only, and a page
 * that opens a hundred tabs would otherwise load a hundred documents before guardContext closes
 * them. Init scripts run in every frame, so a fresh iframe's `open` is covered too; a tab that still
 * appears (a target=_blank link) is closed by guardContext.
 */
const NO_POPUPS = `try { Object.defineProperty(window, 'open', { value: function open() { return null; }, writable: false, configurable: false }); } catch (e) { /* already defined by an earlier script of this document */ }`;

/** What a hostile page tried in a context: popups opened, dialogs raised, downloads started. */
export interface PageTraps {
  popupsClosed: number;
  dialogsDismissed: number;
  downloadsRefused: number;
}

/**
 * The browser executable: FLOWLENS_CHROMIUM_PATH, else Debian's /usr/bin/chromium when present,
 * else Playwright's bundled browser (the official Playwright image has it).
 */
export function chromiumPath(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.FLOWLENS_CHROMIUM_PATH) {
    if (!existsSync(env.FLOWLENS_CHROMIUM_PATH)) throw new Error(`FLOWLENS_CHROMIUM_PATH=${env.FLOWLENS_CHROMIUM_PATH} does not exist.`);
    return env.FLOWLENS_CHROMIUM_PATH;
  }
  return existsSync('/usr/bin/chromium') ? '/usr/bin/chromium' : undefined;
}

export interface PoolOptions {
  /** Recycle the browser after this many contexts (default 200). */
  maxContextsPerBrowser?: number;
  /** Recycle when the browser's processes use more than this many MB (default 1500). */
  maxBrowserRssMb?: number;
  executablePath?: string;
  /** Where the pool says what an operator should know (the sandbox being off). */
  log?: (line: string) => void;
  /** Told each time the browser is replaced, and why (the worker counts these: issue 15). */
  onRecycle?: (reason: 'contexts' | 'memory' | 'wedged') => void;
}

export interface Lease {
  context: BrowserContext;
  viewport: ViewportName;
  /** Requests the egress guard refused for this context so far. */
  blocked(): BlockedRequest[];
  /** Popups, dialogs and downloads the context refused so far. */
  traps(): PageTraps;
  close(): Promise<BlockedRequest[]>;
}

export class BrowserPool {
  private browser: Browser | null = null;
  private launching: Promise<Browser> | null = null;
  private contextsThisBrowser = 0;
  private open = 0;
  private recycling = false;
  /** Set when Chromium stopped answering a context close: the browser is replaced before the next lease. */
  private wedged = false;
  readonly proxy = new GuardProxy();
  private readonly opts: Required<Omit<PoolOptions, 'executablePath' | 'log' | 'onRecycle'>> & { executablePath: string | undefined; log: (line: string) => void; onRecycle?: PoolOptions['onRecycle'] };
  stats = { browsersLaunched: 0, contextsCreated: 0 };
  /** The browser's own HOME/TMPDIR: a 0700 folder of its own, removed when the browser goes. */
  private privateDir: string | null = null;
  private sandboxSaid = false;
  readonly sandbox: SandboxDecision;

  constructor(opts: PoolOptions = {}) {
    this.opts = {
      maxContextsPerBrowser: opts.maxContextsPerBrowser ?? 200,
      maxBrowserRssMb: opts.maxBrowserRssMb ?? 1500,
      executablePath: opts.executablePath ?? chromiumPath(),
      log: opts.log ?? ((line) => process.stderr.write(`${line}\n`)),
      onRecycle: opts.onRecycle,
    };
    this.sandbox = sandboxDecision();
  }

  private async launch(): Promise<Browser> {
    this.privateDir = mkdtempSync(join(tmpdir(), 'flowlens-browser-'));
    const launchWith = (sandbox: boolean) =>
      chromium.launch({
        executablePath: this.opts.executablePath,
        args: CHROMIUM_ARGS,
        headless: true,
        chromiumSandbox: sandbox,
        env: browserEnv(this.privateDir!),
        downloadsPath: join(this.privateDir!, 'downloads'),
      });
    let sandboxOff = this.sandbox.reason;
    let browser: Browser;
    if (this.sandbox.sandbox) {
      try {
        browser = await launchWith(true);
      } catch (e) {
        sandboxOff = `Chromium could not start sandboxed here (${(e as Error).message.split('\n')[0]}); set FLOWLENS_BROWSER_SANDBOX=off to skip the attempt`;
        browser = await launchWith(false);
      }
    } else browser = await launchWith(false);
    if (sandboxOff && !this.sandboxSaid) {
      this.sandboxSaid = true;
      this.opts.log(`⚠ the crawl browser runs without Chromium's sandbox: ${sandboxOff}`);
    }
    return browser;
  }

  private removePrivateDir(): void {
    const dir = this.privateDir;
    this.privateDir = null;
    if (!dir) return;
    try {
      // A browser that is still going down may write into it a moment longer (ENOTEMPTY): retry.
      rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 100 });
    } catch (e) {
      this.opts.log(`⚠ could not remove the browser's private folder ${dir}: ${(e as Error).message}`);
    }
  }

  private async getBrowser(): Promise<Browser> {
    while (this.recycling) await new Promise((r) => setTimeout(r, 25));
    if (this.browser?.isConnected()) return this.browser;
    if (!this.launching) {
      this.launching = (async () => {
        await this.proxy.start();
        const b = await this.launch();
        this.stats.browsersLaunched += 1;
        this.contextsThisBrowser = 0;
        this.browser = b;
        return b;
      })().finally(() => {
        this.launching = null;
      });
    }
    return this.launching;
  }

  /** Browser contexts leased and not yet closed. */
  get openContexts(): number {
    return this.open;
  }

  /** A fresh context for one viewport, behind the egress guard with this crawl's policy. */
  async lease(viewport: ViewportName, policy: NetworkPolicy, extra: BrowserContextOptions = {}): Promise<Lease> {
    await this.maybeRecycle();
    const browser = await this.getBrowser();
    // A site marked local may reach any address: there is nothing for the egress guard to refuse,
    // so its traffic goes direct. Every other crawl goes through the guard.
    const creds: ProxyCredentials | null = policy.allowPrivate ? null : this.proxy.register(policy);
    let context: BrowserContext;
    try {
      context = await browser.newContext({
        ...VIEWPORTS[viewport],
        ...extra,
        ...(creds ? { proxy: { server: creds.server, username: creds.username, password: creds.password, bypass: creds.bypass } } : {}),
        ignoreHTTPSErrors: false,
        serviceWorkers: 'block',
        // A page may not drop files on the worker (issue 12): downloads are cancelled.
        acceptDownloads: false,
      });
    } catch (e) {
      if (creds) this.proxy.release(creds);
      throw e;
    }
    const traps = guardContext(context);
    // Functions passed to page.evaluate are sent as source text. Run through tsx (the `flowlens`
    // bin in a checkout), esbuild's keepNames wraps inner named functions in `__name(fn, "n")`,
    // which does not exist in the page: define it as the identity, without touching a page's own.
    await context.addInitScript({ content: `globalThis.__name ??= (fn) => fn;\n${NO_POPUPS}` });
    this.open += 1;
    this.contextsThisBrowser += 1;
    this.stats.contextsCreated += 1;
    let closed = false;
    return {
      context,
      viewport,
      blocked: () => (creds ? this.proxy.blockedFor(creds) : []),
      traps: () => ({ ...traps }),
      close: async () => {
        if (closed) return [];
        closed = true;
        // Chromium can leave a context close unanswered (seen after a navigation aborted by its own
        // timeout while another tab of the context was busy). A job must never hang on cleanup:
        // give up after a bound and replace the browser before the next lease.
        const done = await Promise.race([
          context.close().then(
            () => true,
            () => true,
          ),
          new Promise<false>((r) => setTimeout(() => r(false), CONTEXT_CLOSE_TIMEOUT_MS).unref()),
        ]);
        if (!done) this.wedged = true;
        this.open -= 1;
        return creds ? this.proxy.release(creds) : [];
      },
    };
  }

  /** Resident memory of the browser's process tree in MB (Linux /proc; 0 elsewhere). */
  browserRssMb(): number {
    const root = this.browserPid();
    if (!root) return 0;
    const children = new Map<number, number[]>();
    const rss = new Map<number, number>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const status = readFileSync(`/proc/${entry}/status`, 'utf8');
        const ppid = Number(/PPid:\s+(\d+)/.exec(status)?.[1]);
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        rss.set(Number(entry), kb);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      } catch {
        /* process ended meanwhile */
      }
    }
    let total = 0;
    const stack = [root];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      total += rss.get(pid) ?? 0;
      stack.push(...(children.get(pid) ?? []));
    }
    return Math.round(total / 1024);
  }

  private browserPid(): number | null {
    if (process.platform !== 'linux' || !this.browser) return null;
    // Chromium processes launched by Playwright are children of this Node process.
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const status = readFileSync(`/proc/${entry}/status`, 'utf8');
        if (Number(/PPid:\s+(\d+)/.exec(status)?.[1]) !== process.pid) continue;
        const cmd = readFileSync(`/proc/${entry}/cmdline`, 'utf8');
        if (/chrom/i.test(cmd) && !cmd.includes('--type=')) return Number(entry);
      } catch {
        /* gone */
      }
    }
    return null;
  }

  private async maybeRecycle(): Promise<void> {
    if (!this.browser || this.recycling) return;
    const tooMany = this.wedged || this.contextsThisBrowser >= this.opts.maxContextsPerBrowser;
    const tooBig = !tooMany && this.contextsThisBrowser % 10 === 0 && this.browserRssMb() > this.opts.maxBrowserRssMb;
    if (!tooMany && !tooBig) return;
    this.opts.onRecycle?.(this.wedged ? 'wedged' : tooMany ? 'contexts' : 'memory');
    this.recycling = true;
    try {
      while (this.open > 0) await new Promise((r) => setTimeout(r, 25));
      const old = this.browser;
      this.browser = null;
      this.wedged = false;
      await old?.close().catch(() => {});
      this.removePrivateDir();
    } finally {
      this.recycling = false;
    }
  }

  async close(): Promise<void> {
    const b = this.browser;
    this.browser = null;
    await b?.close().catch(() => {});
    this.removePrivateDir();
    await this.proxy.stop();
  }
}

/**
 * What a page may not do to the crawl: a flow acts in its own tab only, so every other tab a page
 * opens (a popup storm) is closed at once; alert/confirm/prompt are dismissed and a beforeunload
 * trap is accepted, so no dialog holds a step; downloads are cancelled (acceptDownloads: false).
 */
function guardContext(context: BrowserContext): PageTraps {
  const traps: PageTraps = { popupsClosed: 0, dialogsDismissed: 0, downloadsRefused: 0 };
  const watch = (page: Page) => {
    page.on('dialog', (dialog) => {
      traps.dialogsDismissed += 1;
      // A dialog that is already handled (page closed meanwhile) throws: nothing is left to do.
      void (dialog.type() === 'beforeunload' ? dialog.accept() : dialog.dismiss()).catch(() => {});
    });
    page.on('download', (download) => {
      traps.downloadsRefused += 1;
      void download.cancel().catch(() => {});
    });
  };
  context.on('page', (page) => {
    watch(page);
    // A tab with an opener was opened by a page (window.open, target=_blank, noopener included:
    // Chromium still names the opener); tabs FlowLens opens itself have none.
    void page.opener().then((opener) => {
      if (!opener) return;
      traps.popupsClosed += 1;
      return page.close({ runBeforeUnload: false });
    }).catch(() => {});
  });
  return traps;
}
