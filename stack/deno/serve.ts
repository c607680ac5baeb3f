/**
 * Serves every edge function in supabase/functions/ (except _shared and dot/underscore folders)
 * from one Deno process on 127.0.0.1, the way the Supabase edge runtime routes them:
 * `/<name>/…` goes to supabase/functions/<name>/index.ts.
 *
 * Each function's index.ts calls `Deno.serve(handler)` at import time, as on Supabase. Here
 * `Deno.serve` is captured while each module loads, so one process and one port host them all.
 * A function that fails to load answers 500 BOOT_ERROR (like Supabase) and the error is logged;
 * the others keep working.
 *
 * Every request is logged as one JSON line (function, method, status, duration_ms) in the format
 * of every FlowLens process (issue 15; supabase/functions/_shared/log.ts).
 *
 * Usage: deno run -A stack/deno/serve.ts <functionsDir> <port>
 */
import { createLogger } from '../../supabase/functions/_shared/log.ts';

type Handler = (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>;

const log = createLogger({ service: 'functions' });
const [functionsDir, portArg] = Deno.args;
if (!functionsDir || !portArg) {
  console.error('usage: serve.ts <functionsDir> <port>');
  Deno.exit(2);
}

const handlers = new Map<string, Handler>();
const bootErrors = new Map<string, string>();
const realServe = Deno.serve.bind(Deno);
let loading: string | null = null;

// deno-lint-ignore no-explicit-any
(Deno as any).serve = (a: unknown, b?: unknown) => {
  const handler = (typeof a === 'function' ? a : typeof b === 'function' ? b : (a as { handler?: Handler }).handler) as Handler | undefined;
  if (!loading || !handler) throw new Error('Deno.serve was called outside of a function module load');
  handlers.set(loading, handler);
  return { finished: Promise.resolve(), shutdown: () => Promise.resolve(), ref() {}, unref() {}, addr: { transport: 'tcp', hostname: '127.0.0.1', port: 0 } };
};

const names: string[] = [];
try {
  for await (const entry of Deno.readDir(functionsDir)) {
    if (entry.isDirectory && !entry.name.startsWith('_') && !entry.name.startsWith('.')) names.push(entry.name);
  }
} catch (e) {
  if (!(e instanceof Deno.errors.NotFound)) throw e;
  log.warn(`no functions folder at ${functionsDir}: serving none`);
}
names.sort();
for (const name of names) {
  loading = name;
  try {
    const file = `${functionsDir}/${name}/index.ts`;
    await import(new URL(`file://${file}`).href);
    if (!handlers.has(name)) bootErrors.set(name, 'index.ts did not call Deno.serve');
  } catch (e) {
    bootErrors.set(name, e instanceof Error ? `${e.message}\n${e.stack ?? ''}` : String(e));
    log.error(`function ${name} failed to load`, { function: name, err: e });
  }
}
loading = null;

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

realServe({ hostname: '127.0.0.1', port: Number(portArg), onListen: () => log.info(`functions listening on ${portArg}: ${[...handlers.keys()].join(', ') || '(none)'}`) }, async (req, info) => {
  const name = new URL(req.url).pathname.split('/')[1] ?? '';
  if (name === '_health') return json(200, { functions: [...handlers.keys()], bootErrors: Object.fromEntries(bootErrors) });
  const started = performance.now();
  const res = await route(name, req, info);
  log.info(`${req.method} /${name} ${res.status}`, { function: name, method: req.method, status: res.status, duration_ms: Math.round(performance.now() - started) });
  return res;
});

async function route(name: string, req: Request, info: Deno.ServeHandlerInfo): Promise<Response> {
  const handler = handlers.get(name);
  if (!handler) {
    if (bootErrors.has(name)) return json(500, { code: 'BOOT_ERROR', message: 'Function failed to start (please check logs)' });
    return json(404, { code: 'NOT_FOUND', message: 'Requested function was not found' });
  }
  try {
    return await handler(req, info);
  } catch (e) {
    log.error(`function ${name} threw`, { function: name, err: e });
    return json(500, { code: 'WORKER_ERROR', message: 'Function exited due to an error (please check logs)' });
  }
}
