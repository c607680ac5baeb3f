import { describe, expect, it } from 'vitest';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { BrowserPool, browserEnv, sandboxDecision } from './pool.ts';
import { VIEWPORTS } from './viewports.ts';

describe('BrowserPool', () => {
  it('recycles the browser after a bounded number of contexts', async () => {
    const pool = new BrowserPool({ maxContextsPerBrowser: 3 });
    try {
      for (let i = 0; i < 7; i++) await (await pool.lease('mobile', { allowPrivate: true })).close();
      expect(pool.stats.contextsCreated).toBe(7);
      expect(pool.stats.browsersLaunched).toBe(3);
    } finally {
      await pool.close();
    }
  });

  it('waits for open contexts to close before recycling, never killing them', async () => {
    const pool = new BrowserPool({ maxContextsPerBrowser: 1 });
    try {
      const held = await pool.lease('desktop', { allowPrivate: true });
      let next: Awaited<ReturnType<typeof pool.lease>> | null = null;
      const pending = pool.lease('desktop', { allowPrivate: true }).then((l) => (next = l));
      await new Promise((r) => setTimeout(r, 300));
      expect(next).toBeNull();
      const page = await held.context.newPage();
      expect(await page.evaluate(() => 1 + 1)).toBe(2); // still alive while the new lease waits
      await held.close();
      await pending;
      expect(next).not.toBeNull();
      expect(pool.stats.browsersLaunched).toBe(2);
      await next!.close();
    } finally {
      await pool.close();
    }
  });

  it('emulates the three viewports with touch and a mobile user agent', async () => {
    const pool = new BrowserPool();
    try {
      for (const [name, want] of Object.entries(VIEWPORTS)) {
        const lease = await pool.lease(name as keyof typeof VIEWPORTS, { allowPrivate: true });
        const page = await lease.context.newPage();
        await page.setContent('<!doctype html><meta name="viewport" content="width=device-width, initial-scale=1"><p>x</p>');
        const seen = await page.evaluate(() => ({ w: innerWidth, h: innerHeight, touch: navigator.maxTouchPoints > 0, ua: navigator.userAgent }));
        expect(seen.w).toBe(want.viewport!.width);
        expect(seen.h).toBe(want.viewport!.height);
        expect(seen.touch).toBe(want.hasTouch);
        if (name === 'mobile') expect(seen.ua).toMatch(/Mobile/);
        await lease.close();
      }
    } finally {
      await pool.close();
    }
  });
});

describe('a browser with nothing to steal (issue 12)', () => {
  function descendants(root: number): number[] {
    const children = new Map<number, number[]>();
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const ppid = Number(/PPid:\s+(\d+)/.exec(readFileSync(`/proc/${entry}/status`, 'utf8'))?.[1]);
        children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
      } catch {
        /* the process ended meanwhile */
      }
    }
    const out: number[] = [];
    const stack = [...(children.get(root) ?? [])];
    while (stack.length > 0) {
      const pid = stack.pop()!;
      out.push(pid);
      stack.push(...(children.get(pid) ?? []));
    }
    return out;
  }

  it.runIf(process.platform === 'linux')('starts Chromium without the worker environment, in a private folder removed afterwards', async () => {
    const canary = `canary-${process.pid}-${Date.now()}`;
    process.env.FLOWLENS_TEST_CANARY_KEY = canary;
    const pool = new BrowserPool({ log: () => {} });
    let home = '';
    try {
      const lease = await pool.lease('desktop', { allowPrivate: true });
      const chromiums = descendants(process.pid).filter((pid) => {
        try {
          return /chrom/i.test(readFileSync(`/proc/${pid}/cmdline`, 'utf8'));
        } catch {
          return false;
        }
      });
      expect(chromiums.length).toBeGreaterThan(0);
      for (const pid of chromiums) {
        let env = '';
        try {
          env = readFileSync(`/proc/${pid}/environ`, 'utf8');
        } catch {
          continue; // a helper process that already exited
        }
        expect(env).not.toContain(canary);
        expect(env).not.toContain('FLOWLENS_TEST_CANARY_KEY');
        home = /(?:^|\0)HOME=([^\0]*)/.exec(env)?.[1] ?? home;
      }
      expect(home).toMatch(/flowlens-browser-/);
      expect(existsSync(home)).toBe(true);
      await lease.close();
    } finally {
      delete process.env.FLOWLENS_TEST_CANARY_KEY;
      await pool.close();
    }
    expect(existsSync(home)).toBe(false);
  });

  it('keeps the sandbox on unless the platform forbids it, and says why once', () => {
    expect(sandboxDecision({}, 1000)).toEqual({ sandbox: true, reason: null });
    expect(sandboxDecision({}, 0)).toMatchObject({ sandbox: false, reason: expect.stringMatching(/runs as root/) });
    expect(sandboxDecision({ FLOWLENS_BROWSER_SANDBOX: 'off' }, 1000)).toMatchObject({ sandbox: false });
    expect(Object.keys(browserEnv('/tmp/x', { PATH: '/bin', SUPABASE_SERVICE_ROLE_KEY: 's', FLOWLENS_CREDENTIALS_KEY: 'k', ANTHROPIC_API_KEY: 'a', SMTP_PASS: 'p', LANG: 'C' })).sort()).toEqual(['HOME', 'LANG', 'PATH', 'TMPDIR', 'XDG_CACHE_HOME', 'XDG_CONFIG_HOME']);
  });
});
