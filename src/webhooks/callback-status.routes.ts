/** Callback status: where a callback stands, its errors, who created it and where it goes. */
import { Router } from 'express';
import type { CallbackStatus } from '../../generated/client/types.gen.js';
import { NotFoundError } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { organizationOf } from '../http/request-context.js';
import { isRowId } from '../db/row-id.js';

/** Routes for `/api/v1/organizations/{organizationId}/webhooks/callbacks/statuses/{callbackId}`. */
export function callbackStatusRoutes({ db, callbacks }: AppContext): Router {
  const router = Router();

  router.get('/api/v1/organizations/:organizationId/webhooks/callbacks/statuses/:callbackId', async (req, res) => {
    const { callbackId } = req.params;
    const row = isRowId(callbackId)
      ? await db
          .selectFrom('callbacks')
          .selectAll()
          .where('id', '=', callbackId)
          .where('organization_id', '=', organizationOf(req))
          // An expired callback is gone even before the sweeper deletes it.
          .where('expires_at', '>', callbacks.now())
          .executeTakeFirst()
      : undefined;
    if (!row) throw new NotFoundError('Callback not found');
    const body: CallbackStatus = {
      callbackId: row.id,
      status: row.status,
      errors: row.errors,
      createdBy: { adminId: row.created_by ?? '' },
      webhook: {
        url: row.url,
        httpServer: row.http_server_id ? { id: row.http_server_id } : null,
        payloadTemplate: { id: row.payload_template_id },
        sentAt: row.sent_at ? row.sent_at.toISOString() : null,
      },
    };
    res.json(body);
  });

  return router;
}
