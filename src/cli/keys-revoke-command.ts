/** `boomerang keys revoke`: marks one API key revoked, found by its id or its last four characters. */
import { defineCommand } from './define-command.js';
import { openConfiguredDb } from './open-configured-db.js';
import { shownTime } from './text-table.js';

/** Revokes the one valid key matching the argument; an ambiguous suffix is an error that lists the keys it matches. */
export const keysRevokeCommand = defineCommand({
  name: 'revoke',
  summary: 'revoke an API key by its id or its last four characters',
  usage: '<ID or …SUFFIX>',
  description:
    'Revokes the key with that id (from "keys list"), or the one valid key ending in that suffix (abcd or …abcd).\n' +
    'A revoked key is refused with 401; a server that used it in the last 5 seconds may still accept it until then.\n' +
    'It stays listed, with the time it was revoked.',
  options: {},
  positionals: { min: 1, max: 1, name: 'the id or suffix of the key to revoke' },
  async run({ positionals }, context) {
    const ref = positionals[0]!.replace(/^(…|\.\.\.)/, '').toLowerCase();
    const { db } = await openConfiguredDb(context.env, { migrate: true });
    try {
      const matches = await db
        .selectFrom('api_keys')
        .innerJoin('admins', 'admins.id', 'api_keys.admin_id')
        .select(['api_keys.id', 'api_keys.key_suffix', 'api_keys.created_at', 'api_keys.revoked_at', 'admins.email'])
        .where((eb) => (/^[0-9]{1,19}$/.test(ref) ? eb.or([eb('api_keys.id', '=', ref), eb('api_keys.key_suffix', '=', ref)]) : eb('api_keys.key_suffix', '=', ref)))
        .orderBy('api_keys.id')
        .execute();
      // A suffix shared with revoked keys still names the one valid key: revoking is about the keys that work.
      const valid = matches.filter((k) => k.revoked_at === null);
      if (valid.length > 1) {
        const listed = valid.map((k) => `${k.id} (…${k.key_suffix}, ${k.email}, created ${shownTime(k.created_at)})`).join('; ');
        throw new Error(`"${positionals[0]}" matches ${valid.length} valid keys: ${listed}; give the id`);
      }
      const key = valid[0];
      if (key === undefined) {
        const revoked = matches[0];
        if (revoked === undefined) throw new Error(`no API key has the id or suffix "${positionals[0]}" (see boomerang keys list)`);
        context.stdout.write(`Key ${revoked.id} (…${revoked.key_suffix}, ${revoked.email}) was already revoked at ${shownTime(revoked.revoked_at!)}.\n`);
        return;
      }
      // Conditional on still being valid, so that a concurrent revoke does not move the recorded time.
      await db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', key.id).where('revoked_at', 'is', null).execute();
      context.stdout.write(`Revoked key ${key.id} (…${key.key_suffix}, ${key.email}).\n`);
    } finally {
      await db.destroy();
    }
  },
});
