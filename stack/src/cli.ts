/**
 * `npm run stack <command>` — the Docker-free local Supabase stack.
 *
 *   start            start everything (idempotent), apply new migrations
 *   stop             stop everything this stack started
 *   status [--json]  URLs, keys and the state of each process (like `supabase status`)
 *   restart <service> restart one service (e.g. functions after editing an edge function)
 *   reset            stop, wipe the database, objects and mail, start again (empty, migrated)
 *   logs [service] [-f] [-n N]   show (or follow) a service's log: postgres|postgrest|functions|gateway
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { formatStatus } from './cli-format.ts';
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
      const follow = rest.includes('-f') || rest.includes('--follow');
      const nIdx = rest.indexOf('-n');
      const n = nIdx >= 0 ? Number(rest[nIdx + 1]) : 50;
      const wanted = rest.filter((a) => (SERVICES as readonly string[]).includes(a)) as Service[];
      const unknown = rest.filter((a, i) => !a.startsWith('-') && rest[i - 1] !== '-n' && !(SERVICES as readonly string[]).includes(a));
      if (unknown.length > 0) {
        console.error(`Unknown service ${unknown.join(', ')}; pick from ${SERVICES.join(', ')}.`);
        return 2;
      }
      const services = wanted.length > 0 ? wanted : [...SERVICES];
      if (follow) {
        const files = services.map((s) => stack.logPath(s)).filter((f) => existsSync(f));
        const tail = spawn('tail', ['-n', String(n), '-F', ...files], { stdio: 'inherit' });
        await new Promise((r) => tail.on('exit', r));
        return 0;
      }
      for (const s of services) {
        const file = stack.logPath(s);
        console.log(`==> ${s} (${file}) <==`);
        if (existsSync(file)) console.log(readFileSync(file, 'utf8').split('\n').slice(-n - 1).join('\n'));
      }
      return 0;
    }
    default:
      console.error(`Unknown command "${command}". Use: start | stop | status [--json] | restart <service> | reset | logs [service] [-f]`);
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
