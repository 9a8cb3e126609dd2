/**
 * Every command module, one import and one entry each (in the order `--help` lists them). Add a command by
 * writing `src/commands/<name>.ts` exporting `register(program)` and adding its two lines here.
 *
 * @module
 */
import type { Command } from 'commander';
import { register as copy } from './copy.js';
import { register as doctor } from './doctor.js';
import { register as schema } from './schema.js';
import { register as sessions } from './sessions.js';

/** Registers one command (and its subcommands) on the program. */
export type RegisterCommand = (program: Command) => void;

/** The registration function of every command. */
// biome-ignore format: one entry per line, so commands added at the same time merge line by line
export const commands: readonly RegisterCommand[] = [
  copy,
  doctor,
  schema,
  sessions,
];
