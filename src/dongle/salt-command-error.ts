/** A simulated Salt function failed the way Salt's `CommandExecutionError` does: the job returns `ERROR: <message>`. */
export class SaltCommandError extends Error {}
