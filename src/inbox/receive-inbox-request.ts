/**
 * Where inboxes receive: `POST /inbox/{token}`, before authentication and before any JSON parser, so that the exact
 * bytes sent are what is kept (a signature is checked over them). Anyone holding the URL may send; nothing else is asked.
 */
import express, { Router } from 'express';
import { sql } from 'kysely';
import { INBOX_PATH } from '../callbacks/destination-guard.js';
import { INBOX_CHANNEL } from '../db/channels.js';
import { HttpError, NotFoundError } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { MAX_INBOX_BODY_BYTES, MAX_REQUESTS_PER_INBOX } from './inbox-limits.js';

/** The router for `/inbox/{token}`: POST keeps the request; other methods answer 405. */
export function inboxReceiverRoutes({ db, callbacks }: AppContext): Router {
  const router = Router();
  const raw = express.raw({ type: () => true, limit: MAX_INBOX_BODY_BYTES });

  router.post('/inbox/:token', raw, async (req, res) => {
    if (!INBOX_PATH.test(req.path)) throw new NotFoundError('Inbox not found');
    const inbox = await db.selectFrom('inboxes').select(['id']).where('token', '=', req.params.token!).executeTakeFirst();
    if (!inbox) throw new NotFoundError('Inbox not found');
    const body: Uint8Array = Buffer.isBuffer(req.body) ? req.body : new Uint8Array();
    const headers: [string, string][] = [];
    for (let i = 0; i < req.rawHeaders.length; i += 2) headers.push([req.rawHeaders[i]!.toLowerCase(), req.rawHeaders[i + 1]!]);
    const now = callbacks.now();
    const id = await db.transaction().execute(async (trx) => {
      const { id } = await trx
        .insertInto('inbox_requests')
        .values({
          inbox_id: inbox.id,
          received_at: now.toISOString(),
          expires_at: new Date(now.getTime() + callbacks.retentionMs),
          method: req.method,
          headers: JSON.stringify(headers),
          body,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      // Keep the newest MAX_REQUESTS_PER_INBOX: the oldest beyond that go with this insert.
      await trx
        .deleteFrom('inbox_requests')
        .where('inbox_id', '=', inbox.id)
        .where('id', 'not in', (qb) =>
          qb.selectFrom('inbox_requests').select('id').where('inbox_id', '=', inbox.id).orderBy('id', 'desc').limit(MAX_REQUESTS_PER_INBOX),
        )
        .execute();
      await sql`select pg_notify(${INBOX_CHANNEL}, ${inbox.id}::text)`.execute(trx);
      return id;
    });
    res.json({ received: id });
  });

  router.all('/inbox/:token', (req, res) => {
    res.setHeader('Allow', 'POST');
    throw new HttpError(405, [`${req.method} is not allowed on ${req.path}; inboxes receive POSTs`]);
  });

  return router;
}
