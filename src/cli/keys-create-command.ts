/** `boomerang keys create`: a new API key for an existing admin, or a new admin with its first key. */
import { generateApiKey } from '../auth/api-key.js';
import { createAdmin } from '../auth/create-admin.js';
import { insertApiKey, KEY_SUFFIX_LENGTH } from '../auth/insert-api-key.js';
import { defineCommand } from './define-command.js';
import { openConfiguredDb } from './open-configured-db.js';

/** Creates a key and prints it once: the key alone on stdout (for `KEY=$(boomerang keys create …)`), what it is on stderr. */
export const keysCreateCommand = defineCommand({
  name: 'create',
  summary: 'create an API key (for an existing admin, or a new admin)',
  usage: '--admin EMAIL [--name NAME --organization ID ...]',
  description:
    'With only --admin, adds a key to that existing admin (its other keys keep working).\n' +
    'With --name and --organization too, creates that admin, allowed on those organizations, with its first key.\n' +
    'The key is printed once, alone on stdout; only its hash is stored, so it cannot be shown again.',
  options: {
    admin: { type: 'string', value: 'EMAIL', description: "the admin's email" },
    name: { type: 'string', value: 'NAME', description: 'create the admin, with this name' },
    organization: { type: 'string', multiple: true, value: 'ID', description: 'an organization the new admin may use' },
  },
  async run({ values, usageError }, context) {
    const email = values.admin;
    if (email === undefined) throw usageError('give --admin EMAIL');
    if (!/^[^\s@]+@[^\s@]+$/.test(email)) throw usageError(`--admin takes an email address, got "${email}"`);
    if (values.name !== undefined && values.name.trim() === '') throw usageError('--name takes a name, not nothing');
    const organizationIds = values.organization ?? [];
    for (const id of organizationIds) {
      if (!/^[0-9]{1,19}$/.test(id)) throw usageError(`--organization takes an organization id (digits), got "${id}"`);
    }
    const apiKey = generateApiKey();
    const { db } = await openConfiguredDb(context.env, { migrate: true });
    try {
      const said = await db.transaction().execute(async (trx) => {
        const admin = await trx.selectFrom('admins').select(['id', 'name']).where('email', '=', email).executeTakeFirst();
        if (admin) {
          if (values.name !== undefined || organizationIds.length > 0) {
            throw new Error(`admin ${email} exists: leave out --name and --organization to add a key to it`);
          }
          await insertApiKey(trx, admin.id, apiKey);
          return `for admin ${admin.name} <${email}>`;
        }
        if (values.name === undefined) throw new Error(`no admin ${email}: to create one, add --name NAME and --organization ID`);
        if (organizationIds.length === 0) throw new Error(`a new admin needs at least one --organization ID`);
        const found = await trx.selectFrom('organizations').select('id').where('id', 'in', organizationIds).execute();
        const missing = organizationIds.filter((id) => !found.some((o) => o.id === id));
        if (missing.length > 0) throw new Error(`no organization ${missing.join(', ')}`);
        await createAdmin(trx, { name: values.name, email, apiKey, organizationIds: [...new Set(organizationIds)] });
        return `for the new admin ${values.name} <${email}> (organizations ${[...new Set(organizationIds)].join(', ')})`;
      });
      context.stdout.write(`${apiKey}\n`);
      context.stderr.write(`API key …${apiKey.slice(-KEY_SUFFIX_LENGTH)} created ${said}. It is shown this once: only its hash is stored.\n`);
    } finally {
      await db.destroy();
    }
  },
});
