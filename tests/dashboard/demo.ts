/**
 * Try the dashboard as a new user would, on demo data: `npx tsx tests/dashboard/demo.ts`.
 *
 * Needs the stack `npm start` runs (its demo user and organisation; FLOWLENS_STACK_DIR and
 * FLOWLENS_STACK_PORT_BASE select another stack). Seeds one site with 45 days of Site Context into
 * the demo organisation the first time (never twice), builds the dashboard against the stack, serves
 * it on http://127.0.0.1:5173 (PORT to change) and prints how to sign in. Ctrl-C stops the server.
 */
import pg from 'pg';
import { Stack } from '@flowlens/stack';
import { buildDashboard, removeDir, serveStatic } from './harness.ts';
import { seedSiteContext } from './seed.ts';

const DEMO_EMAIL = 'demo@flowlens.local';
const DEMO_SITE = 'Lumen shop (demo)';

const stack = new Stack({}, () => {});
const info = stack.info();
if (!info.processes.gateway.running || !info.processes.postgres.running) {
  console.error('The local stack is not running. Start it with `npm start` (or `npm start -- --detach`), then run this again.');
  process.exit(1);
}
const db = new pg.Client(info.dbUrl);
await db.connect();
const demo = (
  await db.query<{ user_id: string; organization_id: string }>(
    `select m.user_id, m.organization_id from public.organization_members m join auth.users u on u.id = m.user_id where u.email = $1 and m.role = 'owner' order by m.created_at limit 1`,
    [DEMO_EMAIL],
  )
).rows[0];
if (!demo) {
  console.error(`No demo user (${DEMO_EMAIL}) with an organisation on this stack. \`npm start\` creates them.`);
  process.exit(1);
}
const existing = (await db.query<{ id: string }>('select id from public.sites where organization_id = $1 and name = $2', [demo.organization_id, DEMO_SITE])).rows[0];
let siteId = existing?.id;
if (!siteId) {
  const seeded = await seedSiteContext(db, { ownerId: demo.user_id, organizationId: demo.organization_id, siteName: DEMO_SITE, days: 45, fillerBugs: 40, storage: { apiUrl: info.apiUrl, serviceRoleKey: info.serviceRoleKey } });
  siteId = seeded.siteId;
  console.log(`Seeded "${DEMO_SITE}" with 45 days of crawls, bugs, deploys and flows.`);
}
await db.end();

console.log('Building the dashboard…');
const outDir = await buildDashboard(info);
const server = await serveStatic(outDir, Number(process.env.PORT ?? 5173));
console.log(`\nDashboard: ${server.url}/sites/${siteId}`);
console.log(`Sign in as ${DEMO_EMAIL} with the demo password \`npm start\` printed.`);
console.log('Ctrl-C stops the server.');
const stop = () => {
  void server.close().then(() => {
    removeDir(outDir);
    process.exit(0);
  });
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
