/**
 * `npm run stack <command>` — the Docker-free local Supabase stack.
 *
 *   start            start everything (idempotent), apply new migrations
 *   stop             stop everything this stack started
 *   status [--json]  URLs, keys and the state of each process (like `supabase status`)
 *   restart <service> restart one service (e.g. functions after editing an edge function)
 *   reset            stop, wipe the database, objects and mail, start again (empty, migrated)
 *   logs [name…] [--run ID] [--level L] [-f] [-n N] [--json]
 *                    every process's log (postgres, postgrest, functions, gateway, and npm start's
 *                    worker and dashboard) merged in time order, readable (or JSON records);
 *                    --run keeps one crawl run's lines
 */
import { LOG_LEVELS, type LogLevel } from '@flowlens/core';
import { formatStatus } from './cli-format.ts';
import { followRecords, logSources, mergedRecords, printRecord } from './log.ts';
import { SERVICES, Stack, type Service } from './stack.ts';

async function main(argv: string[]): Promise<number> {
  const [command = 'status', ...rest] = argv;
  const json = rest.includes('--json');
  const stack = new Stack({}, json ? () => {} : (l) => console.log(l));
  switch (command) {
    case 'start': {
      const info = await stack.start();
      console.log(json ? JSON.stringify(info, null, 2) : `\n${formatStatus(info)}`);
      return 0;
    }
    case 'stop':
      await stack.stop();
      console.log('FlowLens local stack stopped.');
      return 0;
    case 'status': {
      const info = stack.info();
      console.log(json ? JSON.stringify(info, null, 2) : formatStatus(info));
      return Object.values(info.processes).every((p) => p.running) ? 0 : 3;
    }
    case 'restart': {
      const service = rest.find((a) => (SERVICES as readonly string[]).includes(a)) as Service | undefined;
      if (!service) {
        console.error(`Say which service to restart: ${SERVICES.join(', ')}.`);
        return 2;
      }
      const info = await stack.restart(service);
      console.log(json ? JSON.stringify(info, null, 2) : `\n${formatStatus(info)}`);
      return 0;
    }
    case 'reset': {
      const info = await stack.reset();
      console.log(json ? JSON.stringify(info, null, 2) : `\n${formatStatus(info)}`);
      return 0;
    }
    case 'logs': {
      // Every process's log, read into FlowLens's one record format (stack/src/log.ts), merged in
      // time order; --run keeps one crawl's lines (issue 15).
      const follow = rest.includes('-f') || rest.includes('--follow');
      const valueOf = (...flags: string[]) => {
        const i = rest.findIndex((a) => flags.includes(a));
        return i >= 0 ? rest[i + 1] : undefined;
      };
      const n = Number(valueOf('-n') ?? 50);
      const runId = valueOf('--run', '--run-id');
      const minLevel = valueOf('--level') as LogLevel | undefined;
      if (minLevel && !(LOG_LEVELS as readonly string[]).includes(minLevel)) {
        console.error(`--level must be one of ${LOG_LEVELS.join(', ')}.`);
        return 2;
      }
      const sources = logSources(stack.config.dir, Object.fromEntries(SERVICES.map((s) => [s, stack.logPath(s)])));
      const names = sources.map((s) => s.service);
      const valued = new Set(['-n', '--run', '--run-id', '--level']);
      const wanted = rest.filter((a, i) => !a.startsWith('-') && !valued.has(rest[i - 1] ?? ''));
      const unknown = wanted.filter((a) => !names.includes(a) && !(a === 'workers' && names.some((x) => x.startsWith('worker'))));
      if (unknown.length > 0) {
        console.error(`Unknown log ${unknown.join(', ')}; pick from ${[...new Set(names)].join(', ')}.`);
        return 2;
      }
      const chosen = wanted.length > 0 ? sources.filter((s) => wanted.includes(s.service) || (wanted.includes('workers') && s.service.startsWith('worker'))) : sources;
      const filter = { runId, minLevel };
      for (const r of mergedRecords(chosen, filter).slice(-Math.max(1, n))) console.log(printRecord(r, json));
      if (follow) {
        const stop = new AbortController();
        process.once('SIGINT', () => stop.abort());
        process.once('SIGTERM', () => stop.abort());
        await followRecords(chosen, filter, json, stop.signal);
      }
      return 0;
    }
    default:
      console.error(`Unknown command "${command}". Use: start | stop | status [--json] | restart <service> | reset | logs [name…] [--run ID] [-f] [--json]`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e: unknown) => {
    console.error(`\n✖ ${(e as Error).message}`);
    process.exit(1);
  },
);
