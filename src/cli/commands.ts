/** The subcommands of `boomerang`, in the order help lists them: adding one is its file plus one line here. */
import type { Command } from './command.js';
import { contractCommand } from './contract-command.js';
import { keysCommand } from './keys-command.js';
import { listenCommand } from './listen-command.js';
import { migrateCommand } from './migrate-command.js';

/** Every top-level subcommand. */
export const commands: readonly Command[] = [keysCommand, migrateCommand, listenCommand, contractCommand];
