/**
 * `npm start` — FlowLens on this machine, no accounts and no internet needed:
 *   1. the local stack (Postgres, PostgREST, edge functions, Auth/Storage stand-ins, mail sink),
 *      migrations applied; the stack calls `schedule` and `notify` on a timer like pg_cron would
 *   2. the demo shop (a fixture site with real defects), the demo user, organisation and site with
 *      two flows recorded with the extension
 *   3. a crawler worker, the dashboard, and the first crawl on desktop, tablet and mobile
 *   4. a short summary: dashboard URL and login, mailbox, how to load the extension, what the
 *      crawl found. Ctrl-C stops everything this started.
 *
 *   --reset     start from an empty database (otherwise data and history are kept and grow)
 *   --detach    start the stack and seed only, then return (stop it with `npm run stack stop`)
 *   --no-crawl  skip the first crawl (the worker still serves scheduled and "Run now" crawls)
 */
import type { ChildProcess } from 'node:child_process';
import { formatStatus } from '../stack/src/cli-format.ts';
import { seedDemo } from '../stack/src/seed.ts';
import { Stack } from '../stack/src/stack.ts';
import { demoPorts, enqueueDemoRun, seedDemoSite, startDashboard, startDemoShop, startWorker, summariseRun, waitForRun, writeExtensionEnv } from './demo.ts';

const args = new Set(process.argv.slice(2));
const unknown = [...args].filter((a) => !['--reset', '--detach', '--no-crawl'].includes(a));
if (unknown.length > 0) {
  console.error(`Unknown option ${unknown.join(', ')}. Options: --reset, --detach, --no-crawl.`);
  process.exit(2);
}

const started = Date.now();
const stack = new Stack({}, (l) => console.log(`  ${l}`));
const ports = demoPorts(stack);
const dashboardUrl = `http://127.0.0.1:${ports.dashboard}`;
// Emails link to the dashboard: the edge functions read this when the stack starts them.
process.env.FLOWLENS_DASHBOARD_URL ??= dashboardUrl;

const children: { name: string; child: ChildProcess }[] = [];
let shopClose: (() => Promise<void>) | null = null;
let stopping = false;

let signals = 0;
async function stopAll(code: number): Promise<never | void> {
  // Ctrl-C reaches npm, tsx and this process at once (and tsx relays it again): the first starts a
  // clean stop, the next few are the same keypress echoed; a third Ctrl-C later forces the exit.
  if (stopping) {
    signals += 1;
    if (signals >= 3) {
      console.error('Forced exit: some processes may still be running; `npm run stack stop` stops the stack.');
      process.exit(code);
    }
    return;
  }
  stopping = true;
  console.log('\nStopping FlowLens ...');
  for (const { name, child } of children.reverse()) {
    if (child.exitCode !== null || child.signalCode !== null) continue;
    console.log(`  Stopping ${name} ...`);
    child.kill('SIGTERM');
    await Promise.race([new Promise((r) => child.once('exit', r)), new Promise((r) => setTimeout(r, 30_000))]);
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  await shopClose?.().catch(() => {});
  await stack.stop();
  process.exit(code);
}

process.on('SIGINT', () => void stopAll(0));
process.on('SIGTERM', () => void stopAll(0));
process.on('SIGHUP', () => void stopAll(0));
// Whatever happens, the children started here do not outlive this process.
process.on('exit', () => {
  for (const { child } of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});

try {
  console.log(args.has('--reset') ? 'Resetting FlowLens local stack ...' : 'Starting FlowLens local stack ...');
  const info = args.has('--reset') ? await stack.reset() : await stack.start();
  const demo = await seedDemo(stack);
  const logDir = stack.config.dir;

  console.log(`  Starting the demo shop on port ${ports.shop} ...`);
  const shop = await startDemoShop(ports.shop);
  shopClose = () => shop.close();
  const site = await seedDemoSite(stack, demo, shop.url);
  console.log(`  Demo site ${site.created ? 'created' : 'found'} with ${site.flows.length} flows: ${site.flows.map((f) => f.name + (f.critical ? ' (critical)' : '')).join(', ')}.`);
  const extensionEnv = writeExtensionEnv(stack, dashboardUrl);

  if (args.has('--detach')) {
    await shop.close();
    console.log(`\nThe stack keeps running (stop it with \`npm run stack stop\`); run \`npm start\` for the shop, worker, dashboard and a crawl.`);
    process.exit(0);
  }

  console.log('  Starting a crawler worker and the dashboard ...');
  const worker = startWorker(stack, logDir, ports.workerMetrics);
  children.push({ name: 'worker', child: worker });
  const dashboard = startDashboard(stack, ports.dashboard, logDir);
  children.push({ name: 'dashboard', child: dashboard });
  for (const { name, child } of children) {
    child.once('exit', (code, signal) => {
      if (!stopping) {
        console.error(`\n✖ The ${name} stopped unexpectedly (${signal ?? `exit ${code}`}); see ${logDir}/${name}.log`);
        void stopAll(1);
      }
    });
  }

  let found = 'no crawl this time (--no-crawl)';
  if (!args.has('--no-crawl')) {
    const runId = await enqueueDemoRun(stack, site.siteId);
    let last = '';
    const outcome = await waitForRun(stack, runId, 8 * 60_000, (done, total) => {
      const line = `  Crawling: ${done}/${total} flow and page jobs done ...`;
      if (line !== last) console.log(line);
      last = line;
    });
    found = summariseRun(outcome);
  }

  const secs = Math.round((Date.now() - started) / 1000);
  console.log(`
──────────────────────────────────────────────────────────────────────
 FlowLens is running locally (everything on 127.0.0.1), ready in ${secs} s

 Dashboard      ${dashboardUrl}
                sign in as ${demo.email}  /  ${demo.password}
 Mailbox        ${info.mailboxUrl}   (alerts and briefings land here)
 Demo shop      ${shop.url}   (the site being watched)
 Metrics        http://127.0.0.1:${ports.workerMetrics}/metrics   (the worker, Prometheus format)
 Latest crawl   ${found}

 Extension      npm run build:extension, then chrome://extensions → Developer
                mode → Load unpacked → .output/chrome-mv3 (defaults to this
                stack via ${extensionEnv.replace(`${process.cwd()}/`, '')}); sign in with the demo login

 API ${info.apiUrl} · database port ${stack.config.ports.db} · URLs and keys: npm run stack status
 Logs: npm run stack -- logs [--run <id>] [-f]. Ctrl-C stops everything this started.
──────────────────────────────────────────────────────────────────────`);
  if (process.env.FLOWLENS_VERBOSE) console.log(formatStatus(info));
  setInterval(() => {}, 1 << 30);
} catch (e) {
  console.error(`\n✖ ${(e as Error).message}`);
  await stopAll(1);
}
