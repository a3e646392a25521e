import { lookup as dnsLookup } from 'node:dns';
import { isIP, type LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

export interface ResolvedAddress {
  address: string;
  family: number;
}

/** How host names are resolved (injected by tests to simulate DNS rebinding). */
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export const systemResolver: Resolver = (hostname) =>
  new Promise((resolve, reject) => dnsLookup(hostname, { all: true, verbatim: true }, (error, addresses) => (error ? reject(error) : resolve(addresses))));

/**
 * Whether delivery may connect to this address: only ordinary public unicast. Loopback, private
 * (10/8, 172.16/12, 192.168/16, fc00::/7), link-local (169.254/16, fe80::/10), carrier-grade NAT,
 * unspecified, multicast, broadcast, reserved and the IPv6 ranges that embed an IPv4 address
 * (mapped, NAT64, 6to4, Teredo) are not.
 */
export function isPublicAddress(address: string): boolean {
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.process(address);
  return parsed.range() === 'unicast';
}

export class AddressNotAllowedError extends Error {
  readonly code = 'EADDRNOTALLOWED';
  constructor(
    readonly host: string,
    readonly address: string,
  ) {
    super(host === address ? `${address} is a loopback, private or link-local address` : `${host} resolves to ${address}, a loopback, private or link-local address`);
    this.name = 'AddressNotAllowedError';
  }
}

/** Checks a URL's host as creation does: every address it resolves to must be public. */
export async function checkWebhookUrl(url: string, resolver: Resolver): Promise<void> {
  const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
  // A resolver failure (ENOTFOUND, EAI_AGAIN) is "does not resolve": its own text is the system's, not ours.
  const addresses = isIP(host) ? [{ address: host, family: isIP(host) }] : await resolver(host).catch(() => []);
  if (addresses.length === 0) throw new Error(`${host} does not resolve`);
  const refused = addresses.find((a) => !isPublicAddress(a.address));
  if (refused) throw new AddressNotAllowedError(host, refused.address);
}

/**
 * The `lookup` of every delivery connection: the address is checked when the socket resolves it,
 * and the socket connects to exactly the address checked, so a name that resolved to a public
 * address at creation and to a private one now (DNS rebinding) is refused.
 */
export function guardedLookup(resolver: Resolver, allowPrivateNetwork: boolean): LookupFunction {
  return (hostname, options, callback) => {
    resolver(hostname).then(
      (addresses) => {
        const wanted = options.family === 4 || options.family === 6 ? addresses.filter((a) => a.family === options.family) : addresses;
        const refused = allowPrivateNetwork ? undefined : wanted.find((a) => !isPublicAddress(a.address));
        if (refused) return callback(new AddressNotAllowedError(hostname, refused.address), '', 0);
        if (wanted.length === 0) return callback(Object.assign(new Error(`${hostname} does not resolve`), { code: 'ENOTFOUND' }), '', 0);
        if (options.all) return (callback as unknown as (e: null, a: ResolvedAddress[]) => void)(null, wanted);
        callback(null, wanted[0]!.address, wanted[0]!.family);
      },
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}
