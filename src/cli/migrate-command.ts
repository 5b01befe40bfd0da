/** `boomerang migrate`: brings the configured database's schema up to date, as the server does when it starts. */
import { migrate } from '../db/migrate.js';
import { defineCommand } from './define-command.js';
import { openConfiguredDb } from './open-configured-db.js';

/** Runs the migrations not yet applied and prints each one's name (or that there were none). */
export const migrateCommand = defineCommand({
  name: 'migrate',
  summary: 'apply the database migrations not yet applied',
  usage: '',
  description:
    'Applies the schema migrations the configured database lacks, in order, and prints their names.\n' +
    'The server does the same when it starts; this lets a deployment migrate before starting new servers.',
  options: {},
  async run(_args, context) {
    const { db, where } = await openConfiguredDb(context.env, { migrate: false });
    try {
      const applied = await migrate(db);
      if (applied.length === 0) context.stdout.write(`The schema of ${where} is up to date: no migration to apply.\n`);
      for (const name of applied) context.stdout.write(`Applied ${name}\n`);
      if (applied.length > 0) context.stdout.write(`${applied.length} migration${applied.length === 1 ? '' : 's'} applied to ${where}.\n`);
    } finally {
      await db.destroy();
    }
  },
});
