/** Locating the Debian-packaged tools the cluster demo and its browser tests drive. */
import { accessSync, constants } from 'node:fs';

/** Where a tool is, which variable overrides it, and the Debian package that provides it. */
export interface ToolBinary {
  /** Human name for the error message, e.g. `"HAProxy"`. */
  name: string;
  /** Environment variable that overrides the path. */
  envVar: string;
  /** Path the Debian package installs. */
  defaultPath: string;
  /** The Debian package to install. */
  debianPackage: string;
}

/** The executable path of `tool`, or a clear error naming the Debian package to install. */
export function requireBinary(tool: ToolBinary): string {
  const path = process.env[tool.envVar] || tool.defaultPath;
  try {
    accessSync(path, constants.X_OK);
  } catch {
    throw new Error(
      `${tool.name} is not installed (${path} not found): install the Debian package "${tool.debianPackage}" ` +
        `(apt-get install ${tool.debianPackage}) or set ${tool.envVar}`,
    );
  }
  return path;
}
