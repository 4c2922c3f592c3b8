import { lookup } from 'node:dns/promises';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/**
 * Addresses a webhook may not reach unless WEBHOOK_ALLOW_HOSTS names the host: loopback, private,
 * link-local (cloud metadata lives at 169.254.169.254), carrier-grade NAT, unspecified, multicast
 * and reserved ranges, in IPv4 and IPv6 (IPv4-mapped IPv6 addresses are checked as IPv4).
 */
const privateRanges = new BlockList();
for (const [network, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 3],
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv4');
}
for (const [network, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const) {
  privateRanges.addSubnet(network, prefix, 'ipv6');
}

export function isPrivateAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  if (mapped) return privateRanges.check(mapped, 'ipv4');
  return privateRanges.check(address, isIP(address) === 6 ? 'ipv6' : 'ipv4');
}

/** `[::1]` in a URL is `::1` to the resolver and in WEBHOOK_ALLOW_HOSTS. */
const bareHost = (hostname: string) => hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();

/** Decides which webhook URLs this server may call (WEBHOOK_ALLOW_HOSTS lifts the private ban). */
export class WebhookTargets {
  readonly #allowed: Set<string>;

  constructor(allowHosts: readonly string[]) {
    this.#allowed = new Set(allowHosts.map(bareHost));
  }

  /** Why `url` may not be called, or null when it may: checked when the run is queued. */
  async refusal(url: string): Promise<string | null> {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return 'must be an absolute http(s) URL';
    }
    if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') return 'must be an http(s) URL';
    if (parsed.username || parsed.password) return 'may not carry a user name or password';
    const host = bareHost(parsed.hostname);
    if (this.#allowed.has(host)) return null;
    const addresses = await lookup(host, { all: true }).catch(() => []);
    if (addresses.length === 0) return `its host ${host} does not resolve`;
    if (addresses.some(({ address }) => isPrivateAddress(address)))
      return `its host ${host} is a private or loopback address (WEBHOOK_ALLOW_HOSTS may list it)`;
    return null;
  }

  /**
   * A DNS lookup for the delivery's socket that refuses private addresses again at connect time, so
   * a name that resolved to a public address when the run was queued cannot point inside later.
   */
  readonly lookup: LookupFunction = (hostname, options, callback) => {
    const host = bareHost(hostname);
    lookup(host, { all: true, family: options.family as 4 | 6 | undefined }).then(
      (addresses) => {
        const usable = this.#allowed.has(host)
          ? addresses
          : addresses.filter(({ address }) => !isPrivateAddress(address));
        if (usable.length === 0) {
          callback(new Error(`webhook host ${host} resolves only to private addresses`), '', 0);
        } else if (options.all) {
          (callback as unknown as (error: null, addresses: typeof usable) => void)(null, usable);
        } else {
          const [first] = usable as [(typeof usable)[number]];
          callback(null, first.address, first.family);
        }
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
