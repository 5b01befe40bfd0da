/** The callback inbox API (a Boomerang extension): create, list, read and delete inboxes, and read what they received. */
import { Router, type Request } from 'express';
import type { CreateOrganizationInboxData, GetOrganizationInboxRequestsData, Inbox } from '../../generated/client/types.gen.js';
import type { InboxTable } from '../db/database.js';
import { isRowId } from '../db/row-id.js';
import { InputError, NotFoundError } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { baseUrl } from '../http/base-url.js';
import { organizationOf } from '../http/request-context.js';
import { describeInboxRequests } from './describe-inbox-request.js';
import { MAX_INBOXES_PER_ORGANIZATION, MAX_WAIT_SECONDS } from './inbox-limits.js';
import { inboxUrl, newInboxToken } from './inbox-token.js';

type InboxRow = Pick<InboxTable, 'name' | 'token'> & { id: string; created_at: Date; request_count: number | string | bigint };

function toInbox(req: Request, row: InboxRow): Inbox {
  return { id: row.id, name: row.name, url: inboxUrl(baseUrl(req), row.token), requestCount: Number(row.request_count), createdAt: row.created_at.toISOString() };
}

/** Routes for `/api/v1/organizations/{organizationId}/inboxes…`. */
export function inboxRoutes({ db, inbox, callbacks }: AppContext): Router {
  const router = Router();

  const inboxes = (organizationId: string) =>
    db
      .selectFrom('inboxes')
      .select((eb) => [
        'inboxes.id',
        'inboxes.name',
        'inboxes.token',
        'inboxes.created_at',
        eb.selectFrom('inbox_requests').select(eb.fn.countAll().as('n')).whereRef('inbox_requests.inbox_id', '=', 'inboxes.id').as('request_count'),
      ])
      .where('organization_id', '=', organizationId);

  const inboxOf = async (req: Request) => {
    const inboxId = String(req.params.inboxId);
    const row = isRowId(inboxId) ? await inboxes(organizationOf(req)).where('inboxes.id', '=', inboxId).executeTakeFirst() : undefined;
    if (!row) throw new NotFoundError('Inbox not found');
    return row as InboxRow;
  };

  router.get('/api/v1/organizations/:organizationId/inboxes', async (req, res) => {
    const rows = await inboxes(organizationOf(req)).orderBy('inboxes.id').execute();
    res.json(rows.map((row) => toInbox(req, row as InboxRow)));
  });

  router.post('/api/v1/organizations/:organizationId/inboxes', async (req, res) => {
    const { name } = req.body as CreateOrganizationInboxData['body'];
    const organizationId = organizationOf(req);
    const row = await db.transaction().execute(async (trx) => {
      const taken = await trx.selectFrom('inboxes').select(['name']).where('organization_id', '=', organizationId).forUpdate().execute();
      if (taken.some((t) => t.name === name)) throw new InputError(`an inbox named "${name}" already exists in this organization`);
      if (taken.length >= MAX_INBOXES_PER_ORGANIZATION) {
        throw new InputError(`an organization may have at most ${MAX_INBOXES_PER_ORGANIZATION} inboxes; delete one first`);
      }
      return trx
        .insertInto('inboxes')
        .values({ organization_id: organizationId, name, token: newInboxToken() })
        .returning(['id', 'name', 'token', 'created_at'])
        .executeTakeFirstOrThrow();
    });
    res.status(201).json(toInbox(req, { ...row, request_count: 0 }));
  });

  router.get('/api/v1/organizations/:organizationId/inboxes/:inboxId', async (req, res) => {
    res.json(toInbox(req, await inboxOf(req)));
  });

  router.delete('/api/v1/organizations/:organizationId/inboxes/:inboxId', async (req, res) => {
    const row = await inboxOf(req);
    await db.deleteFrom('inboxes').where('id', '=', row.id).execute();
    res.status(204).end();
  });

  router.get('/api/v1/organizations/:organizationId/inboxes/:inboxId/requests', async (req, res) => {
    const row = await inboxOf(req);
    const query = req.query as NonNullable<GetOrganizationInboxRequestsData['query']>;
    const secret = req.get('x-inbox-secret');
    const read = () => {
      let q = db.selectFrom('inbox_requests').select(['id', 'received_at', 'method', 'headers', 'body']).where('inbox_id', '=', row.id);
      if (query.after !== undefined) q = q.where('id', '>', query.after);
      return q.where('expires_at', '>', callbacks.now()).orderBy('id').execute();
    };
    let rows = await read();
    const waitSeconds = Math.min(MAX_WAIT_SECONDS, Number(query.waitSeconds ?? 0));
    if (rows.length === 0 && query.after !== undefined && waitSeconds > 0) {
      // Long polling: answer as soon as the inbox receives something, or empty when the time is up or the client leaves.
      const left = new AbortController();
      res.once('close', () => left.abort());
      await inbox.wait(row.id, waitSeconds * 1000, left.signal);
      if (left.signal.aborted) return;
      rows = await read();
    }
    res.json(await describeInboxRequests(db, organizationOf(req), rows, secret));
  });

  return router;
}
