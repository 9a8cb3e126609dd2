/**
 * Debian's nginx for the shop cluster: where the binary is, and how to run or check a configuration made by
 * {@link nginxStandalone} in its own directory (`-p DIR -c DIR/nginx.conf`, errors on stderr), so nothing
 * under /etc/nginx or /var/log/nginx is read or written and no system nginx is involved.
 *
 * @module
 */
import { join } from 'node:path';
import { requireBinary } from './binary.js';

/** Where Debian's `nginx` package installs the binary; `NGINX_BIN` overrides. */
export const DEFAULT_NGINX = '/usr/sbin/nginx';

/** The nginx binary, or a clear error naming the Debian package to install. */
export function nginxBinary(): string {
  return requireBinary({
    name: 'nginx',
    envVar: 'NGINX_BIN',
    defaultPath: DEFAULT_NGINX,
    debianPackage: 'nginx',
  });
}

/** nginx's arguments to run `dir/nginx.conf` (its `daemon off` keeps it in the foreground). */
export const nginxRunArgs = (dir: string): string[] => ['-p', `${dir}/`, '-c', join(dir, 'nginx.conf'), '-e', 'stderr'];

/** nginx's arguments to test `dir/nginx.conf` and exit (`-t`). */
export const nginxCheckArgs = (dir: string): string[] => ['-t', '-q', ...nginxRunArgs(dir)];
