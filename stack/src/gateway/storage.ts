/**
 * Local stand-in for Supabase Storage: only what our clients call (upload, update, download,
 * signed URLs, public URLs, list, remove, bucket reads), with storage-api's request and response
 * shapes so `supabase.storage` works unchanged.
 *
 * Access is decided the way Supabase decides it: every object operation runs as the caller's
 * Postgres role with the caller's JWT claims against storage.objects, so the RLS policies that
 * supabase/migrations defines on storage.objects are what allows or refuses it. Bytes live on disk
 * in the stack folder; metadata rows in storage.objects.
 */
import { createReadStream, existsSync, mkdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { dirname, join, resolve, sep } from 'node:path';
import type pg from 'pg';
import { JwtError, signJwt, verifyJwt, type JwtClaims } from '../jwt.ts';
import { HttpError, readBody, readJson, sendJson } from './http.ts';

export interface StorageOptions {
  pool: pg.Pool;
  jwtSecret: string;
  root: string;
}

type Role = 'anon' | 'authenticated' | 'service_role';

interface Caller {
  role: Role;
  claims: JwtClaims;
}

function storageError(status: number, error: string, message: string): HttpError {
  return new HttpError(status, { statusCode: String(status), error, message });
}

/** Splits "/bucket/a/b.png" into bucket and object name, refusing paths that escape the bucket. */
function splitPath(rest: string): { bucket: string; name: string } {
  const parts = rest.split('/').filter(Boolean).map((p) => decodeURIComponent(p));
  const bucket = parts.shift();
  if (!bucket) throw storageError(400, 'InvalidRequest', 'A bucket is required');
  if (parts.some((p) => p === '..' || p === '.' || p.includes('\0'))) throw storageError(400, 'InvalidKey', 'Invalid object name');
  return { bucket, name: parts.join('/') };
}

export class StorageService {
  constructor(private readonly opts: StorageOptions) {
    mkdirSync(opts.root, { recursive: true });
  }

  private filePath(bucket: string, name: string): string {
    const base = resolve(this.opts.root, bucket);
    const full = resolve(base, name);
    if (!full.startsWith(base + sep)) throw storageError(400, 'InvalidKey', 'Invalid object name');
    return full;
  }

  /** The caller as the gateway already authenticated them (apikey + optional user JWT). */
  private caller(req: IncomingMessage): Caller {
    const auth = req.headers.authorization;
    const token = auth?.replace(/^Bearer\s+/i, '') ?? (typeof req.headers.apikey === 'string' ? req.headers.apikey : undefined);
    if (!token) return { role: 'anon', claims: { role: 'anon' } };
    try {
      const claims = verifyJwt(token, this.opts.jwtSecret);
      const role = claims.role;
      if (role !== 'anon' && role !== 'authenticated' && role !== 'service_role') throw storageError(403, 'Unauthorized', 'Unknown role');
      return { role, claims };
    } catch (e) {
      if (e instanceof JwtError) throw storageError(400, 'InvalidJWT', e.message);
      throw e;
    }
  }

  /** Runs fn in a transaction as the caller's role with their claims, so RLS applies. */
  private async as<T>(caller: Caller, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await this.opts.pool.connect();
    try {
      await client.query('begin');
      await client.query(`select set_config('role', $1, true), set_config('request.jwt.claims', $2, true)`, [caller.role, JSON.stringify(caller.claims)]);
      const out = await fn(client);
      await client.query('commit');
      return out;
    } catch (e) {
      await client.query('rollback');
      if ((e as { code?: string }).code === '42501') throw storageError(403, 'Unauthorized', 'new row violates row-level security policy');
      throw e;
    } finally {
      client.release();
    }
  }

  async handle(req: IncomingMessage, res: ServerResponse, path: string, query: URLSearchParams): Promise<void> {
    const method = req.method ?? 'GET';
    if (path === '/bucket' || path.startsWith('/bucket/')) return this.buckets(req, res, method, path.slice('/bucket'.length));
    const m = /^\/object(\/.*)$/.exec(path);
    if (!m) throw storageError(404, 'not_found', `${method} ${path} is not part of the local Storage stand-in`);
    let rest = m[1]!;
    if (rest.startsWith('/sign/')) {
      rest = rest.slice('/sign'.length);
      if (method === 'GET') return this.serveSigned(res, rest, query.get('token'));
      if (method === 'POST') return this.sign(req, res, rest);
    }
    if (rest.startsWith('/public/') && (method === 'GET' || method === 'HEAD')) return this.servePublic(req, res, rest.slice('/public'.length));
    if (rest.startsWith('/authenticated/') && (method === 'GET' || method === 'HEAD')) return this.download(req, res, rest.slice('/authenticated'.length));
    if (rest.startsWith('/list/') && method === 'POST') return this.list(req, res, rest.slice('/list'.length));
    if (method === 'POST' || method === 'PUT') return this.upload(req, res, rest, method === 'PUT');
    if (method === 'GET' || method === 'HEAD') return this.download(req, res, rest);
    if (method === 'DELETE') return this.remove(req, res, rest);
    throw storageError(405, 'MethodNotAllowed', `${method} is not supported on ${path}`);
  }

  private async bucketRow(bucket: string) {
    const { rows } = await this.opts.pool.query<{ id: string; public: boolean; file_size_limit: string | null; allowed_mime_types: string[] | null }>(
      'select id, public, file_size_limit, allowed_mime_types from storage.buckets where id = $1',
      [bucket],
    );
    if (!rows[0]) throw storageError(404, 'Bucket not found', 'Bucket not found');
    return rows[0];
  }

  private async upload(req: IncomingMessage, res: ServerResponse, rest: string, update: boolean): Promise<void> {
    const caller = this.caller(req);
    const { bucket, name } = splitPath(rest);
    if (!name) throw storageError(400, 'InvalidKey', 'An object name is required');
    const b = await this.bucketRow(bucket);
    const raw = await readBody(req);
    let bytes: Buffer = raw;
    let contentType = String(req.headers['content-type'] ?? 'application/octet-stream');
    let cacheControl = String(req.headers['cache-control'] ?? 'max-age=3600');
    if (contentType.startsWith('multipart/form-data')) {
      const form = await new Request('http://local/upload', { method: 'POST', headers: { 'content-type': contentType }, body: raw }).formData();
      const file = [...form.values()].find((v) => typeof v !== 'string');
      if (!file || typeof file === 'string') throw storageError(400, 'InvalidRequest', 'The multipart body has no file part');
      bytes = Buffer.from(await file.arrayBuffer());
      contentType = file.type || 'application/octet-stream';
      const cc = form.get('cacheControl');
      if (typeof cc === 'string') cacheControl = `max-age=${cc}`;
    }
    if (b.file_size_limit && bytes.length > Number(b.file_size_limit)) throw storageError(413, 'Payload too large', 'The object exceeded the maximum allowed size');
    if (b.allowed_mime_types && b.allowed_mime_types.length > 0 && !b.allowed_mime_types.includes(contentType.split(';')[0]!.trim())) {
      throw storageError(415, 'invalid_mime_type', `mime type ${contentType} is not supported`);
    }
    const upsert = update || req.headers['x-upsert'] === 'true';
    const metadata = { size: bytes.length, mimetype: contentType, cacheControl, eTag: `"${bytes.length}-${Date.now()}"`, lastModified: new Date().toISOString() };
    const owner = typeof caller.claims.sub === 'string' ? caller.claims.sub : null;
    const id = await this.as(caller, async (c) => {
      let row;
      if (update) {
        row = await c.query<{ id: string }>(
          'update storage.objects set metadata = $3, updated_at = now(), owner = $4::uuid, owner_id = $4::text where bucket_id = $1 and name = $2 returning id',
          [bucket, name, metadata, owner],
        );
        if (row.rowCount === 0) throw storageError(404, 'not_found', 'Object not found');
      } else {
        try {
          row = await c.query<{ id: string }>(
            `insert into storage.objects (bucket_id, name, owner, owner_id, metadata) values ($1, $2, $4::uuid, $4::text, $3)
             on conflict (bucket_id, name) do ${upsert ? 'update set metadata = excluded.metadata, updated_at = now(), owner = excluded.owner, owner_id = excluded.owner_id' : 'nothing'}
             returning id`,
            [bucket, name, metadata, owner],
          );
        } catch (e) {
          if ((e as { code?: string }).code === '42501') throw storageError(403, 'Unauthorized', 'new row violates row-level security policy');
          throw e;
        }
        if (row.rowCount === 0) throw storageError(409, 'Duplicate', 'The resource already exists');
      }
      // Bytes are written inside the transaction: if this fails, the row is rolled back with it.
      const file = this.filePath(bucket, name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, bytes);
      return row.rows[0]!.id;
    });
    sendJson(res, 200, { Key: `${bucket}/${name}`, Id: id });
  }

  private async findVisible(caller: Caller, bucket: string, name: string) {
    const rows = await this.as(caller, (c) =>
      c.query<{ id: string; metadata: { mimetype?: string; size?: number; cacheControl?: string } | null }>(
        'select id, metadata from storage.objects where bucket_id = $1 and name = $2',
        [bucket, name],
      ),
    );
    const row = rows.rows[0];
    if (!row) throw storageError(404, 'not_found', 'Object not found');
    return row;
  }

  private sendFile(req: IncomingMessage, res: ServerResponse, bucket: string, name: string, meta: { mimetype?: string; cacheControl?: string } | null): void {
    const file = this.filePath(bucket, name);
    if (!existsSync(file)) throw storageError(404, 'not_found', 'Object not found');
    res.writeHead(200, {
      'content-type': meta?.mimetype ?? 'application/octet-stream',
      'content-length': String(statSync(file).size),
      'cache-control': meta?.cacheControl ?? 'no-cache',
    });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    createReadStream(file).pipe(res);
  }

  private async download(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const caller = this.caller(req);
    const { bucket, name } = splitPath(rest);
    await this.bucketRow(bucket);
    const row = await this.findVisible(caller, bucket, name);
    this.sendFile(req, res, bucket, name, row.metadata);
  }

  private async servePublic(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const { bucket, name } = splitPath(rest);
    const b = await this.bucketRow(bucket);
    if (!b.public) throw storageError(400, 'not_found', 'Object not found');
    const { rows } = await this.opts.pool.query<{ metadata: { mimetype?: string } | null }>('select metadata from storage.objects where bucket_id = $1 and name = $2', [bucket, name]);
    if (!rows[0]) throw storageError(404, 'not_found', 'Object not found');
    this.sendFile(req, res, bucket, name, rows[0].metadata);
  }

  private signedPath(bucket: string, name: string, expiresIn: number): string {
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt({ url: `${bucket}/${name}`, iat: now, exp: now + expiresIn }, this.opts.jwtSecret);
    return `/object/sign/${bucket}/${name}?token=${token}`;
  }

  private async sign(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const caller = this.caller(req);
    const { bucket, name } = splitPath(rest);
    await this.bucketRow(bucket);
    const body = await readJson<{ expiresIn?: number; paths?: string[] }>(req);
    const expiresIn = Number(body.expiresIn);
    if (!Number.isFinite(expiresIn) || expiresIn <= 0) throw storageError(400, 'InvalidRequest', 'expiresIn must be a positive number of seconds');
    if (!name) {
      // Batch: POST /object/sign/<bucket> { paths }
      const paths = Array.isArray(body.paths) ? body.paths : [];
      const visible = await this.as(caller, (c) =>
        c.query<{ name: string }>('select name from storage.objects where bucket_id = $1 and name = any($2::text[])', [bucket, paths]),
      );
      const seen = new Set(visible.rows.map((r) => r.name));
      return sendJson(
        res,
        200,
        paths.map((p) => (seen.has(p) ? { error: null, path: p, signedURL: this.signedPath(bucket, p, expiresIn) } : { error: 'Either the object does not exist or you do not have access to it', path: p, signedURL: null })),
      );
    }
    await this.findVisible(caller, bucket, name);
    sendJson(res, 200, { signedURL: this.signedPath(bucket, name, expiresIn) });
  }

  private async serveSigned(res: ServerResponse, rest: string, token: string | null): Promise<void> {
    const { bucket, name } = splitPath(rest);
    if (!token) throw storageError(400, 'InvalidJWT', 'A signed URL token is required');
    let claims: JwtClaims;
    try {
      claims = verifyJwt(token, this.opts.jwtSecret);
    } catch (e) {
      if (e instanceof JwtError) throw storageError(400, 'InvalidJWT', e.message);
      throw e;
    }
    if (claims.url !== `${bucket}/${name}`) throw storageError(400, 'InvalidSignature', 'The url do not match the signature');
    const { rows } = await this.opts.pool.query<{ metadata: { mimetype?: string } | null }>('select metadata from storage.objects where bucket_id = $1 and name = $2', [bucket, name]);
    if (!rows[0]) throw storageError(404, 'not_found', 'Object not found');
    this.sendFile({ method: 'GET' } as IncomingMessage, res, bucket, name, rows[0].metadata);
  }

  private async list(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const caller = this.caller(req);
    const { bucket } = splitPath(rest);
    await this.bucketRow(bucket);
    const body = await readJson<{ prefix?: string; limit?: number; offset?: number; search?: string }>(req);
    const prefix = (body.prefix ?? '').replace(/^\/+|\/+$/g, '');
    const like = prefix ? `${prefix}/` : '';
    const limit = Math.min(Math.max(Number(body.limit ?? 100), 1), 1000);
    const offset = Math.max(Number(body.offset ?? 0), 0);
    const rows = await this.as(caller, (c) =>
      c.query<{ name: string; id: string; updated_at: Date; created_at: Date; metadata: unknown }>(
        `select name, id, updated_at, created_at, metadata from storage.objects
          where bucket_id = $1 and name like $2 || '%' order by name`,
        [bucket, like.replace(/[%_\\]/g, '\\$&')],
      ),
    );
    // Like storage-api: direct children are objects, deeper paths collapse into folder entries.
    const entries = new Map<string, Record<string, unknown>>();
    for (const r of rows.rows) {
      const tail = r.name.slice(like.length);
      const slash = tail.indexOf('/');
      const entryName = slash === -1 ? tail : tail.slice(0, slash);
      if (body.search && !entryName.includes(body.search)) continue;
      if (entries.has(entryName)) continue;
      entries.set(
        entryName,
        slash === -1
          ? { name: entryName, id: r.id, updated_at: r.updated_at, created_at: r.created_at, last_accessed_at: r.updated_at, metadata: r.metadata }
          : { name: entryName, id: null, updated_at: null, created_at: null, last_accessed_at: null, metadata: null },
      );
    }
    sendJson(res, 200, [...entries.values()].slice(offset, offset + limit));
  }

  private async remove(req: IncomingMessage, res: ServerResponse, rest: string): Promise<void> {
    const caller = this.caller(req);
    const { bucket, name } = splitPath(rest);
    await this.bucketRow(bucket);
    const prefixes = name ? [name] : ((await readJson<{ prefixes?: string[] }>(req)).prefixes ?? []);
    const deleted = await this.as(caller, async (c) => {
      // Like the Storage API: its own deletes pass the delete guard (bootstrap.sql), SQL ones do not.
      await c.query(`select set_config('storage.allow_delete_query', 'true', true)`);
      return c.query<{ name: string; id: string; bucket_id: string }>('delete from storage.objects where bucket_id = $1 and name = any($2::text[]) returning name, id, bucket_id', [
        bucket,
        prefixes,
      ]);
    });
    for (const r of deleted.rows) rmSync(this.filePath(bucket, r.name), { force: true });
    sendJson(res, 200, deleted.rows);
  }

  private async buckets(req: IncomingMessage, res: ServerResponse, method: string, rest: string): Promise<void> {
    const caller = this.caller(req);
    const id = decodeURIComponent(rest.replace(/^\//, ''));
    if (method === 'GET') {
      const rows = await this.as(caller, (c) =>
        c.query('select id, name, owner, public, file_size_limit, allowed_mime_types, created_at, updated_at from storage.buckets where ($1 = \'\' or id = $1) order by id', [id]),
      );
      if (id) {
        if (!rows.rows[0]) throw storageError(404, 'Bucket not found', 'Bucket not found');
        return sendJson(res, 200, rows.rows[0]);
      }
      return sendJson(res, 200, rows.rows);
    }
    if (method === 'POST' && !id) {
      if (caller.role !== 'service_role') throw storageError(403, 'Unauthorized', 'new row violates row-level security policy');
      const body = await readJson<{ id?: string; name?: string; public?: boolean; file_size_limit?: number | null; allowed_mime_types?: string[] | null }>(req);
      const bucketId = body.id ?? body.name;
      if (!bucketId) throw storageError(400, 'InvalidRequest', 'A bucket name is required');
      await this.opts.pool.query(
        'insert into storage.buckets (id, name, public, file_size_limit, allowed_mime_types) values ($1, $2, $3, $4, $5)',
        [bucketId, body.name ?? bucketId, body.public ?? false, body.file_size_limit ?? null, body.allowed_mime_types ?? null],
      ).catch((e: { code?: string }) => {
        if (e.code === '23505') throw storageError(409, 'Duplicate', 'The resource already exists');
        throw e;
      });
      return sendJson(res, 200, { name: bucketId });
    }
    throw storageError(405, 'MethodNotAllowed', `${method} /bucket${rest} is not supported by the local Storage stand-in`);
  }
}

/** For tests and scripts: where a stack keeps an object's bytes. */
export function objectFile(root: string, bucket: string, name: string): string {
  return join(root, bucket, name);
}
