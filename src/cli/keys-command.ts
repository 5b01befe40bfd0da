/** `boomerang keys`: API keys, created, listed and revoked directly in the configured database. */
import { commandGroup } from './command-group.js';
import { keysCreateCommand } from './keys-create-command.js';
import { keysListCommand } from './keys-list-command.js';
import { keysRevokeCommand } from './keys-revoke-command.js';

/** The `keys` subcommands. */
export const keysCommand = commandGroup({
  name: 'keys',
  summary: 'create, list and revoke API keys (a lost key: create another)',
  description:
    'API keys, managed in the configured database, so that they work even when no key is left to call the API with.\n' +
    'Keys are stored only as SHA-256 hashes: a new key is printed once, and lists show only its last four characters.',
  commands: [keysCreateCommand, keysListCommand, keysRevokeCommand],
});
