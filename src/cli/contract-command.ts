/** `boomerang contract`: tests of an implementation against an OpenAPI document's contract. */
import { commandGroup } from './command-group.js';
import { contractReceiverCommand } from './contract-receiver-command.js';

/** The `contract` subcommands. */
export const contractCommand = commandGroup({
  name: 'contract',
  summary: 'test an implementation of the spec against its contract',
  description: 'Contract tests made from an OpenAPI 3.0 or 3.1 document (Boomerang\'s own by default); each prints a report and exits 1 when a check failed.',
  commands: [contractReceiverCommand],
});
