/**
 * The stack's single front door on 127.0.0.1:54321, routed like a Supabase project's API gateway:
 *
 *   /rest/v1/*       -> PostgREST         apikey required (anon or service-role key)
 *   /auth/v1/*       -> Auth stand-in     apikey required
 *   /storage/v1/*    -> Storage stand-in  the caller's JWT decides (via RLS)
 *   /functions/v1/*  -> Deno              a valid JWT required unless the function sets
 *                                         `verify_jwt = false` in supabase/config.toml
 *
 * Like Supabase's gateway: a request with an apikey but no Authorization header is treated as
 * `Authorization: Bearer <apikey>`, and CORS is answered here for REST, Auth and Storage while
 * functions answer their own preflight.
 */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import { parse as parseToml } from 'smol-toml';
import { JwtError, verifyJwt } from '../jwt.ts';
import type { AuthService } from './auth.ts';
import { CORS_HEADERS, HttpError, sendJson } from './http.ts';
import type { StorageService } from './storage.ts';

export interface GatewayOptions {
  anonKey: string;
  serviceRoleKey: string;
  jwtSecret: string;
  postgrestUrl: string;
  functionsUrl: string;
  configToml: string;
  auth: AuthService;
  storage: StorageService;
  /** Where a request that failed inside the gateway is reported (main.ts: the JSON log). */
  onError?: (message: string, e: unknown) => void;
}

/** Which functions skip JWT verification, read from supabase/config.toml as the Supabase CLI does. */
export function functionsWithoutJwt(configToml: string): Set<string> {
  const parsed = parseToml(readFileSync(configToml, 'utf8')) as { functions?: Record<string, { verify_jwt?: boolean }> };
  return new Set(Object.entries(parsed.functions ?? {}).filter(([, v]) => v.verify_jwt === false).map(([k]) => k));
}

function proxy(req: http.IncomingMessage, res: http.ServerResponse, target: string, extraHeaders: Record<string, string>, cors: boolean): void {
  const url = new URL(target);
  const headers: http.OutgoingHttpHeaders = { ...req.headers, host: url.host };
  for (const [k, v] of Object.entries(extraHeaders)) headers[k] = v;
  const upstream = http.request(
    { hostname: url.hostname, port: url.port, path: url.pathname + url.search, method: req.method, headers },
    (up) => {
      const outHeaders: http.OutgoingHttpHeaders = { ...up.headers };
      if (cors) Object.assign(outHeaders, CORS_HEADERS);
      res.writeHead(up.statusCode ?? 502, outHeaders);
      up.pipe(res);
    },
  );
  upstream.on('error', (e) => {
    if (!res.headersSent) sendJson(res, 502, { message: `Upstream ${url.origin} is not answering: ${e.message}. Is the stack running? Try \`npm run stack status\`.` });
    else res.destroy(e);
  });
  req.pipe(upstream);
}

export function createGateway(opts: GatewayOptions): http.Server {
  const noJwt = functionsWithoutJwt(opts.configToml);
  const keys = new Set([opts.anonKey, opts.serviceRoleKey]);

  const requireApiKey = (req: http.IncomingMessage, url: URL): string => {
    const key = (req.headers.apikey as string | undefined) ?? url.searchParams.get('apikey') ?? undefined;
    if (!key) throw new HttpError(401, { message: 'No API key found in request', hint: 'Send the anon key in the apikey header.' });
    if (!keys.has(key)) throw new HttpError(401, { message: 'Invalid API key', hint: 'Double check your Supabase `anon` or `service_role` API key.' });
    return key;
  };

  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://gateway');
    const path = url.pathname;
    const isFunctions = path.startsWith('/functions/v1/');
    const handle = async () => {
      if (req.method === 'OPTIONS' && !isFunctions) {
        res.writeHead(200, CORS_HEADERS).end();
        return;
      }
      if (path.startsWith('/rest/v1')) {
        const key = requireApiKey(req, url);
        const extra: Record<string, string> = req.headers.authorization ? {} : { authorization: `Bearer ${key}` };
        return proxy(req, res, `${opts.postgrestUrl}${path.slice('/rest/v1'.length) || '/'}${url.search}`, extra, true);
      }
      if (path.startsWith('/auth/v1')) {
        requireApiKey(req, url);
        for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
        return opts.auth.handle(req, res, path.slice('/auth/v1'.length) || '/', url.searchParams);
      }
      if (path.startsWith('/storage/v1')) {
        for (const [k, v] of Object.entries(CORS_HEADERS)) res.setHeader(k, v);
        return opts.storage.handle(req, res, path.slice('/storage/v1'.length) || '/', url.searchParams);
      }
      if (isFunctions) {
        const name = path.split('/')[3] ?? '';
        if (req.method !== 'OPTIONS' && !noJwt.has(name)) {
          const token = req.headers.authorization?.replace(/^Bearer\s+/i, '');
          if (!token) throw new HttpError(401, { code: 401, message: 'Missing authorization header' });
          try {
            verifyJwt(token, opts.jwtSecret);
          } catch (e) {
            if (e instanceof JwtError) throw new HttpError(401, { code: 401, message: 'Invalid JWT' });
            throw e;
          }
        }
        // Supabase hands a function its path without the /functions/v1 prefix.
        return proxy(req, res, `${opts.functionsUrl}${path.slice('/functions/v1'.length)}${url.search}`, {}, false);
      }
      if (path === '/' || path === '/_stack/health') return sendJson(res, 200, { ok: true, routes: ['/rest/v1', '/auth/v1', '/storage/v1', '/functions/v1'] });
      throw new HttpError(404, { message: `No route for ${path}` });
    };
    handle().catch((e: unknown) => {
      if (res.headersSent) return res.destroy();
      if (e instanceof HttpError) return sendJson(res, e.status, e.body, { ...CORS_HEADERS, ...e.headers });
      (opts.onError ?? ((m, err) => console.error(m, err)))(`gateway: ${req.method} ${path} failed`, e);
      sendJson(res, 500, { message: 'Internal error in the local stack gateway; see `npm run stack logs gateway`.' }, CORS_HEADERS);
    });
  });
}
