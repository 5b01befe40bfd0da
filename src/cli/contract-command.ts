/** `boomerang contract`: spec-driven contract tests of an implementation (`api`) and of a callback receiver (`receiver`). */
import { commandGroup } from './command-group.js';
import { contractApiCommand } from './contract-api-command.js';
import { contractReceiverCommand } from './contract-receiver-command.js';

/** The `contract` subcommands. */
export const contractCommand = commandGroup({
  name: 'contract',
  summary: 'test an implementation of the spec, callbacks included, or a callback receiver',
  description:
    'Contract tests from an OpenAPI 3.0/3.1 document (Boomerang\'s own by default), with a table of what was checked,\n' +
    'JUnit XML for CI (--junit), and exit status 0 only when no check failed.',
  commands: [contractApiCommand, contractReceiverCommand],
});
