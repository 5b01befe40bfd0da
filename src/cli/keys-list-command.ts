/** `boomerang keys list`: every API key with its admin, never the key itself (only its hash is stored). */
import { KEY_SUFFIX_LENGTH } from '../auth/insert-api-key.js';
import { defineCommand } from './define-command.js';
import { openConfiguredDb } from './open-configured-db.js';
import { shownTime, textTable } from './text-table.js';

/** Lists the keys, oldest first: id, admin, email, `…abcd`, created, revoked, and the admin's organizations. */
export const keysListCommand = defineCommand({
  name: 'list',
  summary: 'list API keys (their last four characters, never the key)',
  usage: '',
  description: `Lists every API key: its id, its admin, its last ${KEY_SUFFIX_LENGTH} characters, when it was created and revoked,\nand the organizations its admin may use.`,
  options: {},
  async run(_args, context) {
    const { db } = await openConfiguredDb(context.env, { migrate: true });
    try {
      const keys = await db
        .selectFrom('api_keys')
        .innerJoin('admins', 'admins.id', 'api_keys.admin_id')
        .select(['api_keys.id', 'api_keys.admin_id', 'api_keys.key_suffix', 'api_keys.created_at', 'api_keys.revoked_at', 'admins.name', 'admins.email'])
        .orderBy('api_keys.created_at')
        .orderBy('api_keys.id')
        .execute();
      if (keys.length === 0) {
        context.stdout.write('No API keys.\n');
        return;
      }
      const memberships = await db.selectFrom('admin_organizations').select(['admin_id', 'organization_id']).orderBy('organization_id').execute();
      const rows = keys.map((k) => [
        k.id,
        k.name,
        k.email,
        `…${k.key_suffix}`,
        shownTime(k.created_at),
        k.revoked_at ? shownTime(k.revoked_at) : '-',
        memberships.filter((m) => m.admin_id === k.admin_id).map((m) => m.organization_id).join(',') || '-',
      ]);
      context.stdout.write(textTable([['ID', 'ADMIN', 'EMAIL', 'KEY', 'CREATED', 'REVOKED', 'ORGANIZATIONS'], ...rows]));
    } finally {
      await db.destroy();
    }
  },
});
