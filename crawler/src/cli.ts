/**
 * `flowlens` — the crawler's command line.
 *
 *   flowlens check --base-url URL --flow FILE [--flow FILE…] [--viewports desktop,tablet,mobile]
 *                  [--discover N] [--json OUT] [--screenshots DIR]
 *   flowlens export --format playwright FLOW.json [--base-url URL] [--out FILE] [--config]
 *   flowlens worker
 *
 * check exits 0 when no P0/P1 bug was found, 1 when one was, 2 on bad input (DESIGN.md §4).
 */
import { runCheck, UsageError, CHECK_USAGE } from './check.ts';

const [command, ...rest] = process.argv.slice(2);

async function main(): Promise<number> {
  switch (command) {
    case 'check':
      return runCheck(rest);
    case 'export': {
      const { runExport } = await import('./export.ts');
      return runExport(rest);
    }
    case 'worker': {
      const { runWorker } = await import('./worker/worker.ts');
      return runWorker();
    }
    case undefined:
    case '-h':
    case '--help':
      console.log(`FlowLens crawler\n\n${CHECK_USAGE}\n  flowlens export --format playwright FLOW.json   a flow as a Playwright test (flowlens export --help)\n  flowlens worker         claim and run crawl jobs from the queue (env: see README)`);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${CHECK_USAGE}\n  flowlens worker`);
      return 2;
  }
}

main().then(
  (code) => process.exit(code),
  (e: unknown) => {
    if (e instanceof UsageError) {
      console.error(`✖ ${e.message}\n\n${CHECK_USAGE}`);
      process.exit(2);
    }
    console.error(`✖ ${(e as Error).stack ?? e}`);
    process.exit(2);
  },
);
