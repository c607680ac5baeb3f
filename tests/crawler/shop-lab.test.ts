/**
 * The shop healing lab (tests/fixtures/lab/shop-lab.ts), end to end in real Chromium: for every
 * scenario, one action is recorded on the unchanged page twice — as the extension records it
 * (selectors + element metadata, with the same engine) and as Chrome DevTools Recorder exports it
 * (aria, test id / id / CSS, XPath and text selectors, imported with core's importer) — and
 * replayed by the crawler's runner on the changed page. What the replay did is counted from what
 * the fixture server received. A wrong action fails the test outright; every scenario must end as
 * its answer key says (act on the target, or refuse).
 *
 * Then the threshold/margin trade-off: the same recorded steps resolved in the page with other
 * healing thresholds and margins (no replay), counting right / refused / wrong.
 *
 * One browser, one server, one context per flavour.
 */
import { importChromeRecording, type Flow, type Step } from '@flowlens/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrowserPool } from '../../crawler/src/browser/pool.ts';
import { locatorBundle } from '../../crawler/src/replay/locator-bundle.ts';
import { runFlow } from '../../crawler/src/replay/runner.ts';
import { detectorSettings } from '../../crawler/src/replay/settings.ts';
import { sendText, startHttpServer, type RunningServer } from '../fixtures/shared/http.ts';
import { SHOP_LAB_SCENARIOS, shopLabPage, TARGET_ACTION, TARGET_ON_BASE, type LabScenario } from '../fixtures/lab/shop-lab.ts';

type Flavour = 'extension' | 'recorder';
const FLAVOURS: Flavour[] = ['extension', 'recorder'];

const pool = new BrowserPool();
let server: RunningServer;
const received = new Map<string, string[]>();
const byKey = new Map<string, LabScenario>();
const recorded = new Map<string, Step>();

const keyOf = (flavour: Flavour, s: LabScenario) => `${flavour}~${s.name}`;

beforeAll(async () => {
  for (const s of SHOP_LAB_SCENARIOS) for (const f of FLAVOURS) byKey.set(keyOf(f, s), s);
  server = await startHttpServer((req, res, url) => {
    const parts = url.pathname.split('/').map(decodeURIComponent);
    if (req.method === 'POST' && parts[1] === 'act' && parts[2] && parts[3]) {
      received.set(parts[2], [...(received.get(parts[2]) ?? []), parts[3]]);
      return sendText(res, 204, '');
    }
    if (parts[1] === 'lab' && parts[2]) {
      const s = byKey.get(parts[2]);
      if (!s) return sendText(res, 404, 'no such scenario');
      const page = shopLabPage(parts[2], url.searchParams.has('base') ? {} : s.options);
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
      return;
    }
    return sendText(res, 404, 'not found');
  }, 0, 'shop lab');

  // Record every target once on the unchanged page, both ways.
  const lease = await pool.lease('desktop', { allowPrivate: true });
  const page = await lease.context.newPage();
  await page.goto(`${server.url}/lab/${encodeURIComponent(keyOf('extension', SHOP_LAB_SCENARIOS[0]!))}?base`);
  await page.evaluate(await locatorBundle());
  for (const target of new Set(SHOP_LAB_SCENARIOS.map((s) => s.target))) {
    const captured = await page.evaluate((css) => {
      type L = {
        generateSelectors: (e: Element) => unknown[];
        describeElement: (e: Element) => unknown;
        accessibleName: (e: Element) => string;
        getRole: (e: Element) => string;
      };
      const L = (window as unknown as { __flowlensLocator: L }).__flowlensLocator;
      const el = document.querySelector(css)!;
      // Chrome Recorder's selectors for the same element: aria, test id or id or CSS path, XPath, text.
      const chrome: string[][] = [];
      const name = L.accessibleName(el);
      const role = L.getRole(el);
      if (name && role) chrome.push([`aria/${name}[role="${role}"]`]);
      const testid = el.getAttribute('data-testid');
      if (testid) chrome.push([`[data-testid="${testid}"]`]);
      const cssPath = (x: Element): string => {
        const segs: string[] = [];
        for (let cur: Element | null = x; cur && cur.localName !== 'body' && cur.localName !== 'html'; cur = cur.parentElement) {
          if (cur.id) {
            segs.unshift(`#${cur.id}`);
            break;
          }
          const i = Array.from(cur.parentElement?.children ?? []).filter((c) => c.localName === cur!.localName).indexOf(cur) + 1;
          segs.unshift(`${cur.localName}:nth-of-type(${i})`);
        }
        return segs.join(' > ');
      };
      chrome.push([cssPath(el)]);
      const xpath = (x: Element): string => {
        const segs: string[] = [];
        for (let cur: Element | null = x; cur; cur = cur.parentElement) {
          if (cur.id) {
            segs.unshift(`//*[@id="${cur.id}"]`);
            return segs.join('/').replace(/^(\/\/\*\[@id="[^"]*"\])\//, '$1/');
          }
          const same = Array.from(cur.parentElement?.children ?? []).filter((c) => c.localName === cur!.localName);
          segs.unshift(same.length > 1 ? `${cur.localName}[${same.indexOf(cur) + 1}]` : cur.localName);
        }
        return `/${segs.join('/')}`;
      };
      chrome.push([`xpath/${xpath(el)}`]);
      const text = (el.textContent ?? '').replace(/\s+/g, ' ').trim();
      if (text && text.length < 60) chrome.push([`text/${text}`]);
      return { selectors: L.generateSelectors(el), element: L.describeElement(el), chrome, tag: el.localName, type: el.getAttribute('type') ?? '' };
    }, TARGET_ON_BASE[target]);
    const isField = captured.tag === 'input' && captured.type !== 'checkbox';
    const isCheck = captured.type === 'checkbox';
    const ext = {
      ...(isField ? { action: 'input', value: 'lab@example.com' } : isCheck ? { action: 'check', checked: true } : { action: 'click' }),
      label: `act on ${target}`,
      labelSource: 'template',
      selectors: captured.selectors,
      element: captured.element,
    };
    recorded.set(`extension ${target}`, ext as unknown as Step);
    const chromeStep = isField ? { type: 'change', value: 'lab@example.com', selectors: captured.chrome } : { type: 'click', selectors: captured.chrome, offsetX: 5, offsetY: 5 };
    const { flow } = importChromeRecording({ title: target, steps: [{ type: 'navigate', url: server.url }, chromeStep] });
    recorded.set(`recorder ${target}`, flow.steps[0]!);
  }
  await lease.close();
}, 120_000);

afterAll(async () => {
  await pool.close();
  await server?.close();
});

type Outcome = 'target' | 'refused' | 'wrong';

function classify(actions: string[], s: LabScenario): Outcome {
  if (actions.length === 0) return 'refused';
  return actions.every((a) => a === TARGET_ACTION[s.target]) ? 'target' : 'wrong';
}

describe('shop healing lab', () => {
  it('has at least 50 scenarios, each with an answer key for both flavours', () => {
    expect(SHOP_LAB_SCENARIOS.length).toBeGreaterThanOrEqual(50);
    expect(new Set(SHOP_LAB_SCENARIOS.map((s) => s.name)).size).toBe(SHOP_LAB_SCENARIOS.length);
  });

  it('acts on the target or refuses as the answer key says, and never acts on anything else', async () => {
    // Each replay gets its own context (closed once its reports reached the server). Refusals wait
    // the whole step timeout doing nothing, so a few scenarios replay at once: the lab takes a third
    // of the time it took one by one, with each page still alone in its context.
    const rows: { scenario: string; flavour: Flavour; expected: string; got: Outcome; status: string; confidence?: number; actions: string }[] = [];
    const replay = async (s: LabScenario, flavour: Flavour) => {
      const key = keyOf(flavour, s);
      const step = recorded.get(`${flavour} ${s.target}`)!;
      const flow: Flow = { schemaVersion: 1, name: key, startUrl: `${server.url}/lab/${encodeURIComponent(key)}`, critical: false, steps: [step] };
      const result = await runFlow(flow, {
        viewport: 'desktop',
        newContext: async () => {
          const lease = await pool.lease('desktop', { allowPrivate: true });
          return {
            ...lease,
            close: async () => {
              // The page's last report (sent as it acted) reaches the server before the context goes.
              await new Promise((r) => setTimeout(r, 150));
              return lease.close();
            },
          };
        },
        siteOrigin: server.url,
        templateOf: (u) => new URL(u).pathname,
        secrets: () => undefined,
        detectors: detectorSettings({ enabled: false }),
        // Refusals wait the whole step timeout; generous enough for a loaded 2-core machine.
        stepTimeoutMs: 2500,
        healGraceMs: 250,
        retry: false,
      });
      const actions = received.get(key) ?? [];
      const st = result.steps[0];
      rows.push({ scenario: s.name, flavour, expected: s.expect[flavour], got: classify(actions, s), status: st?.status ?? '?', confidence: st?.healing?.confidence, actions: actions.join(',') });
    };
    const queue = SHOP_LAB_SCENARIOS.flatMap((s) => FLAVOURS.map((f) => [s, f] as const));
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let next = queue.shift(); next; next = queue.shift()) await replay(...next);
      }),
    );
    rows.sort((a, b) => a.scenario.localeCompare(b.scenario) || a.flavour.localeCompare(b.flavour));
    const tally = (f: Flavour) => {
      const r = rows.filter((x) => x.flavour === f);
      const right = r.filter((x) => (x.expected === 'act' ? x.got === 'target' : x.got === 'refused')).length;
      return { flavour: f, scenarios: r.length, right, refused: r.filter((x) => x.got === 'refused').length, wrong: r.filter((x) => x.got === 'wrong').length, missed: r.filter((x) => x.expected === 'act' && x.got === 'refused').length };
    };
    console.log(`shop lab: ${JSON.stringify(tally('extension'))} ${JSON.stringify(tally('recorder'))}`);
    console.table(rows);
    expect(rows.filter((r) => r.got === 'wrong')).toEqual([]);
    const mismatches = rows.filter((r) => (r.expected === 'act' ? r.got !== 'target' : r.got !== 'refused'));
    expect(mismatches).toEqual([]);
  }, 900_000);

  it('trades recall for precision along the threshold/margin curve (printed for docs)', async () => {
    const thresholds = [0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];
    const margins = [0.05, 0.1, 0.15, 0.2, 0.25];
    const counts = new Map<string, { right: number; refused: number; wrong: number }>();
    const lease = await pool.lease('desktop', { allowPrivate: true });
    const page = await lease.context.newPage();
    const bundle = await locatorBundle();
    for (const s of SHOP_LAB_SCENARIOS) {
      for (const flavour of FLAVOURS) {
        await page.goto(`${server.url}/lab/${encodeURIComponent(keyOf(flavour, s))}`);
        if (s.options.lateMs) await page.waitForTimeout(s.options.lateMs + 300);
        await page.evaluate(bundle);
        const step = recorded.get(`${flavour} ${s.target}`)!;
        const outcomes = await page.evaluate(
          ({ step, thresholds, margins }) => {
            type Res = { status: string; element?: Element };
            const L = (window as unknown as { __flowlensLocator: { resolveStep: (r: Document, s: unknown, o: unknown) => Res } }).__flowlensLocator;
            const actionOf = (window as unknown as { __labActionOf: (e: Element | undefined) => string | null }).__labActionOf;
            const out: Record<string, string | null> = {};
            for (const t of thresholds) for (const m of margins) {
              const r = L.resolveStep(document, step, { threshold: t, margin: m });
              out[`${t} ${m}`] = r.element && (r.status === 'found' || r.status === 'healed') ? actionOf(r.element) : null;
            }
            return out;
          },
          { step: step as unknown, thresholds, margins },
        );
        for (const [k, action] of Object.entries(outcomes)) {
          const c = counts.get(k) ?? { right: 0, refused: 0, wrong: 0 };
          const expected = s.expect[flavour];
          if (action === null) c[expected === 'refuse' ? 'right' : 'refused'] += 1;
          else if (action === TARGET_ACTION[s.target]) c.right += 1;
          else c.wrong += 1;
          counts.set(k, c);
        }
      }
    }
    await lease.close();
    const table = [...counts.entries()].map(([k, c]) => ({ threshold: Number(k.split(' ')[0]), margin: Number(k.split(' ')[1]), ...c }));
    console.log('threshold/margin curve (right = acted on the target or correctly refused; refused = a target left alone; wrong = acted on another element):');
    console.table(table);
    const at = (t: number, m: number) => table.find((r) => r.threshold === t && r.margin === m)!;
    // The defaults never act wrongly, and stricter settings are never less precise.
    expect(at(0.75, 0.15).wrong).toBe(0);
    expect(at(0.9, 0.25).wrong).toBe(0);
    expect(at(0.6, 0.05).wrong).toBeGreaterThanOrEqual(at(0.75, 0.15).wrong);
  }, 600_000);
});
