/**
 * Which network addresses the crawler may reach (DESIGN.md §8): never private, loopback,
 * link-local, carrier-grade NAT, multicast, reserved or cloud-metadata addresses — the classic
 * server-side request forgery targets — unless the site is explicitly marked local (dev and tests),
 * or the one host:port the user pointed `flowlens check --base-url` at.
 */
import net from 'node:net';

const blocked = new net.BlockList();
const V4: [string, number][] = [
  ['0.0.0.0', 8], // "this" network
  ['10.0.0.0', 8], // private
  ['100.64.0.0', 10], // carrier-grade NAT
  ['127.0.0.0', 8], // loopback
  ['169.254.0.0', 16], // link-local, incl. 169.254.169.254 cloud metadata
  ['172.16.0.0', 12], // private
  ['192.0.0.0', 24], // IETF protocol assignments
  ['192.0.2.0', 24], // documentation
  ['192.88.99.0', 24], // 6to4 relay anycast
  ['192.168.0.0', 16], // private
  ['198.18.0.0', 15], // benchmarking
  ['198.51.100.0', 24], // documentation
  ['203.0.113.0', 24], // documentation
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, incl. broadcast
];
const V6: [string, number][] = [
  ['::', 128], // unspecified
  ['::1', 128], // loopback
  ['64:ff9b::', 96], // NAT64 (could reach private v4)
  ['100::', 64], // discard
  ['2001:db8::', 32], // documentation
  ['fc00::', 7], // unique local
  ['fe80::', 10], // link-local
  ['fec0::', 10], // site-local (deprecated)
  ['ff00::', 8], // multicast
];
for (const [addr, prefix] of V4) blocked.addSubnet(addr, prefix, 'ipv4');
for (const [addr, prefix] of V6) blocked.addSubnet(addr, prefix, 'ipv6');

/** Names that resolve to metadata services on some clouds even where DNS is split. */
const METADATA_HOSTS = new Set(['metadata', 'metadata.google.internal', 'metadata.goog', 'instance-data', 'instance-data.ec2.internal']);

export type AddressVerdict = { allowed: true } | { allowed: false; reason: string };

/** Classifies one IP address. IPv4-mapped IPv6 addresses are judged as the IPv4 they carry. */
export function classifyAddress(address: string): AddressVerdict {
  const family = net.isIP(address);
  if (family === 0) return { allowed: false, reason: `"${address}" is not an IP address` };
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return classifyAddress(mapped[1]!);
  if (blocked.check(address, family === 4 ? 'ipv4' : 'ipv6')) {
    return { allowed: false, reason: `${address} is a private, loopback, link-local or reserved address` };
  }
  return { allowed: true };
}

export function isMetadataHost(host: string): boolean {
  return METADATA_HOSTS.has(host.toLowerCase().replace(/\.$/, ''));
}

/** What one crawl may reach. */
export interface NetworkPolicy {
  /** The site is marked local (dev and tests): private addresses are allowed. */
  allowPrivate: boolean;
  /** host:port pairs allowed even though they resolve to private addresses (the CLI's --base-url). */
  allowedPrivateOrigins?: ReadonlySet<string>;
}

/** Normalises host:port for comparisons, e.g. "LOCALHOST:80" and "[::1]:443". */
export function hostPort(host: string, port: number): string {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return `${h.includes(':') ? `[${h}]` : h}:${port}`;
}

export function originHostPort(origin: string): string {
  const u = new URL(origin);
  const port = u.port ? Number(u.port) : u.protocol === 'https:' ? 443 : 80;
  return hostPort(u.hostname, port);
}
