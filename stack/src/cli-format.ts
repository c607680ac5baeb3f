import type { StackInfo } from './stack.ts';

/** The `supabase status`-style block `npm run stack status` prints. */
export function formatStatus(info: StackInfo): string {
  const lines = [
    `         API URL: ${info.apiUrl}`,
    `    REST API URL: ${info.restUrl}`,
    `   Functions URL: ${info.functionsUrl}`,
    `          DB URL: ${info.dbUrl}`,
    `     Mailbox URL: ${info.mailboxUrl}`,
    `            SMTP: ${info.smtp.host}:${info.smtp.port}`,
    `      JWT secret: ${info.jwtSecret}`,
    `        anon key: ${info.anonKey}`,
    `service_role key: ${info.serviceRoleKey}`,
    `      Stack data: ${info.dir}`,
    '',
    ...Object.entries(info.processes).map(
      ([name, p]) => `  ${name.padEnd(10)} ${p.running ? 'running' : 'stopped'}${p.pid ? `  pid ${p.pid}` : ''}  port ${p.port}`,
    ),
  ];
  return lines.join('\n');
}
