/**
 * `host:port` list parsing and formatting shared by the parser, the descriptions and the openers.
 *
 * @module
 */
import { StoreUrlError } from './errors.js';
import type { HostPort } from './spec.js';

/** Parses `h:p,h:p` (IPv6 as `[::1]:p`); `defaultPort` undefined means the port is required. */
export function parseHostList(text: string, defaultPort: number | undefined, scheme: string): HostPort[] {
  const entries = text.split(',').map((e) => e.trim());
  if (entries.length === 0 || entries.some((e) => e === '')) throw new StoreUrlError(`${scheme}:// needs host:port`);
  return entries.map((entry) => {
    const m = /^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9._-]+)(?::(\d{1,5}))?$/.exec(entry);
    if (!m) throw new StoreUrlError(`invalid host:port "${entry}" in ${scheme}://`);
    const port = m[2] === undefined ? defaultPort : Number(m[2]);
    if (port === undefined) throw new StoreUrlError(`${scheme}:// needs an explicit port in "${entry}"`);
    if (!(port > 0 && port < 65536)) throw new StoreUrlError(`invalid port in "${entry}"`);
    return { host: m[1]!.replace(/^\[|\]$/g, ''), port };
  });
}

/** `host:port`, with IPv6 hosts in brackets. */
export function formatHost({ host, port }: HostPort): string {
  return `${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/** `h:p,h:p`. */
export function formatHostList(nodes: readonly HostPort[]): string {
  return nodes.map(formatHost).join(',');
}

/** Whether a host name is this machine (a local DynamoDB accepts any credentials). */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.');
}
