/**
 * The crawler's egress guard: a small forward proxy every browser context is pointed at
 * (Playwright's per-context `proxy` option, with `<-loopback>` so even localhost goes through it).
 * Because the browser sends every connection here — documents, subresources, each hop of a
 * redirect, WebSockets — a page cannot reach a private or metadata address by redirecting,
 * by embedding, or by DNS rebinding: the proxy resolves the name itself, checks every address,
 * and connects to the address it checked.
 *
 * Each context gets its own credentials (Proxy-Authorization), mapped to that crawl's policy;
 * what was refused is recorded per context so the report can say so.
 */
import { randomBytes } from 'node:crypto';
import dns from 'node:dns/promises';
import http from 'node:http';
import net from 'node:net';
import { classifyAddress, hostPort, isMetadataHost, type NetworkPolicy } from './address-policy.ts';

export interface BlockedRequest {
  host: string;
  port: number;
  reason: string;
}

interface Registration {
  policy: NetworkPolicy;
  blocked: BlockedRequest[];
}

export interface ProxyCredentials {
  server: string;
  username: string;
  password: string;
  /** Chromium bypasses loopback by default; this removes that exception. */
  bypass: string;
}

type Resolve = (host: string) => Promise<string[]>;

const defaultResolve: Resolve = async (host) => (await dns.lookup(host, { all: true, verbatim: true })).map((a) => a.address);

/** How long a resolved name is reused (the connection still goes to the address that was checked). */
const DNS_TTL_MS = 30_000;

export class GuardProxy {
  private server: http.Server | null = null;
  private port = 0;
  private readonly registrations = new Map<string, Registration>();
  private readonly dnsCache = new Map<string, { at: number; addresses: Promise<string[]> }>();
  /** Plain-HTTP upstream connections are kept alive across requests, as the browser would. */
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

  constructor(private readonly resolveName: Resolve = defaultResolve) {}

  private resolve(host: string): Promise<string[]> {
    const hit = this.dnsCache.get(host);
    if (hit && Date.now() - hit.at < DNS_TTL_MS) return hit.addresses;
    const addresses = this.resolveName(host);
    this.dnsCache.set(host, { at: Date.now(), addresses });
    addresses.catch(() => this.dnsCache.delete(host));
    return addresses;
  }

  async start(): Promise<void> {
    if (this.server) return;
    const server = http.createServer((req, res) => void this.onHttp(req, res));
    server.on('connect', (req, socket, head) => void this.onConnect(req, socket as net.Socket, head));
    server.on('upgrade', (req, socket, head) => void this.onUpgrade(req, socket as net.Socket, head));
    server.on('clientError', (_e, socket) => socket.destroy());
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    this.server = server;
  }

  async stop(): Promise<void> {
    const server = this.server;
    this.server = null;
    this.agent.destroy();
    if (server) {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    }
  }

  /** Credentials for one browser context; release them when the context closes. */
  register(policy: NetworkPolicy): ProxyCredentials {
    if (!this.server) throw new Error('GuardProxy.start() must be called before register()');
    const username = `ctx${randomBytes(8).toString('hex')}`;
    const password = randomBytes(16).toString('hex');
    this.registrations.set(`${username}:${password}`, { policy, blocked: [] });
    return { server: `http://127.0.0.1:${this.port}`, username, password, bypass: '<-loopback>' };
  }

  /** What this context was refused, and forgets it. */
  release(creds: ProxyCredentials): BlockedRequest[] {
    const key = `${creds.username}:${creds.password}`;
    const blocked = this.registrations.get(key)?.blocked ?? [];
    this.registrations.delete(key);
    return blocked;
  }

  blockedFor(creds: ProxyCredentials): BlockedRequest[] {
    return this.registrations.get(`${creds.username}:${creds.password}`)?.blocked ?? [];
  }

  private registration(req: http.IncomingMessage): Registration | null {
    const header = req.headers['proxy-authorization'];
    if (typeof header !== 'string' || !header.startsWith('Basic ')) return null;
    return this.registrations.get(Buffer.from(header.slice(6), 'base64').toString('utf8')) ?? null;
  }

  /** Resolves and checks a destination; returns the address to connect to, or why not. */
  private async vet(reg: Registration, host: string, port: number): Promise<{ address: string } | { reason: string }> {
    const bare = host.replace(/^\[|\]$/g, '');
    if (isMetadataHost(bare)) return { reason: `${bare} is a cloud metadata host` };
    let addresses: string[];
    try {
      addresses = net.isIP(bare) ? [bare] : await this.resolve(bare);
    } catch (e) {
      return { reason: `could not resolve ${bare}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` };
    }
    if (addresses.length === 0) return { reason: `${bare} has no addresses` };
    const privateOk = reg.policy.allowPrivate || reg.policy.allowedPrivateOrigins?.has(hostPort(bare, port));
    if (!privateOk) {
      for (const a of addresses) {
        const verdict = classifyAddress(a);
        // Every address must be public: otherwise a name with one public and one private address
        // could be steered to the private one.
        if (!verdict.allowed) return { reason: `${bare} resolves to ${verdict.reason.replace(/^\S+ is/, `${a}, which is`)}` };
      }
    }
    return { address: addresses[0]! };
  }

  private refuse(reg: Registration | null, host: string, port: number, reason: string): void {
    reg?.blocked.push({ host, port, reason });
  }

  private async onConnect(req: http.IncomingMessage, client: net.Socket, head: Buffer): Promise<void> {
    client.on('error', () => client.destroy());
    const reg = this.registration(req);
    if (!reg) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm="flowlens"\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const m = /^(\[[^\]]+\]|[^:]+):(\d+)$/.exec(req.url ?? '');
    if (!m) {
      client.end('HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const host = m[1]!;
    const port = Number(m[2]);
    const vetted = await this.vet(reg, host, port);
    if ('reason' in vetted) {
      this.refuse(reg, host, port, vetted.reason);
      client.end(`HTTP/1.1 403 Forbidden\r\nX-FlowLens-Blocked: ${encodeURIComponent(vetted.reason)}\r\nContent-Length: 0\r\n\r\n`);
      return;
    }
    const upstream = net.connect({ host: vetted.address, port });
    upstream.on('error', () => {
      if (client.writable) client.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n');
    });
    upstream.once('connect', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    client.on('close', () => upstream.destroy());
  }

  private async onHttp(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const reg = this.registration(req);
    if (!reg) {
      res.writeHead(407, { 'proxy-authenticate': 'Basic realm="flowlens"' }).end();
      return;
    }
    let target: URL;
    try {
      target = new URL(req.url ?? '');
    } catch {
      res.writeHead(400).end('FlowLens proxy: absolute URL expected');
      return;
    }
    const port = target.port ? Number(target.port) : 80;
    const vetted = await this.vet(reg, target.hostname, port);
    if ('reason' in vetted) {
      this.refuse(reg, target.hostname, port, vetted.reason);
      res.writeHead(403, { 'content-type': 'text/plain', 'x-flowlens-blocked': encodeURIComponent(vetted.reason) }).end(`Blocked by FlowLens: ${vetted.reason}`);
      return;
    }
    const headers = { ...req.headers };
    delete headers['proxy-authorization'];
    delete headers['proxy-connection'];
    const upstream = http.request(
      { host: vetted.address, port, method: req.method, path: target.pathname + target.search, headers, setHost: false, agent: this.agent },
      (up) => {
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on('error', (e) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' }).end(`FlowLens proxy: ${e.message}`);
      else res.destroy();
    });
    req.pipe(upstream);
  }

  private async onUpgrade(req: http.IncomingMessage, client: net.Socket, head: Buffer): Promise<void> {
    client.on('error', () => client.destroy());
    const reg = this.registration(req);
    let target: URL | null = null;
    try {
      target = new URL(req.url ?? '');
    } catch {
      /* handled below */
    }
    if (!reg || !target) {
      client.end('HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const port = target.port ? Number(target.port) : 80;
    const vetted = await this.vet(reg, target.hostname, port);
    if ('reason' in vetted) {
      this.refuse(reg, target.hostname, port, vetted.reason);
      client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    const upstream = net.connect({ host: vetted.address, port }, () => {
      const lines = [`${req.method} ${target.pathname}${target.search} HTTP/1.1`];
      for (let i = 0; i < req.rawHeaders.length; i += 2) {
        const name = req.rawHeaders[i]!;
        if (/^proxy-/i.test(name)) continue;
        lines.push(`${name}: ${req.rawHeaders[i + 1]}`);
      }
      upstream.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    upstream.on('error', () => client.destroy());
  }
}
