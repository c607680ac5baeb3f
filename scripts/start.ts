/**
 * `npm start` — FlowLens on this machine, no accounts and no internet needed:
 * starts the local stack, applies migrations, seeds the demo organisation and user, prints every
 * URL and the demo login, and stays in the foreground; Ctrl-C stops everything it started.
 *   --reset   start from an empty database (otherwise data and history are kept)
 *   --detach  leave the stack running and return (stop it with `npm run stack stop`)
 */
import { formatStatus } from '../stack/src/cli-format.ts';
import { seedDemo } from '../stack/src/seed.ts';
import { Stack } from '../stack/src/stack.ts';

const args = new Set(process.argv.slice(2));
const stack = new Stack({}, (l) => console.log(`  ${l}`));

try {
  console.log(args.has('--reset') ? 'Resetting FlowLens local stack ...' : 'Starting FlowLens local stack ...');
  const info = args.has('--reset') ? await stack.reset() : await stack.start();
  const demo = await seedDemo(stack);
  console.log(`
──────────────────────────────────────────────────────────────────────
 FlowLens is running locally (everything on 127.0.0.1)

 Demo login     ${demo.email}  /  ${demo.password}
 API            ${info.apiUrl}   (Supabase-compatible: rest, auth, storage, functions)
 Mailbox        ${info.mailboxUrl}   (every email FlowLens sends lands here)
 Database       ${info.dbUrl}

 Keys and process state: npm run stack status
 ${args.has('--detach') ? 'The stack keeps running: stop it with `npm run stack stop`.' : 'Press Ctrl-C to stop everything this started.'}
──────────────────────────────────────────────────────────────────────`);
  if (process.env.FLOWLENS_VERBOSE) console.log(formatStatus(info));
  if (!args.has('--detach')) {
    let stopping = false;
    const stop = async () => {
      if (stopping) return;
      stopping = true;
      console.log('\nStopping FlowLens ...');
      await stack.stop();
      process.exit(0);
    };
    process.on('SIGINT', () => void stop());
    process.on('SIGTERM', () => void stop());
    setInterval(() => {}, 1 << 30);
  }
} catch (e) {
  console.error(`\n✖ ${(e as Error).message}`);
  process.exit(1);
}
