/** Payload templates: the six included Liquid templates and a network's custom ones, checked before they are stored. */
import { Router } from 'express';
import type {
  CreateNetworkWebhooksPayloadTemplateData,
  PayloadTemplate,
  UpdateNetworkWebhooksPayloadTemplateData,
} from '../../generated/client/types.gen.js';
import { includedTemplates } from '../callbacks/included-templates.js';
import { NotFoundError } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { findPayloadTemplate, type NetworkPayloadTemplate } from '../callbacks/find-payload-template.js';
import { createPayloadTemplate, deletePayloadTemplate, updatePayloadTemplate } from './payload-template-writes.js';

/** The API resource for a template; `adminsCanModify` is false as in Meraki's examples (there are no network-only admins here). */
function toPayloadTemplate(template: NetworkPayloadTemplate): PayloadTemplate {
  return {
    payloadTemplateId: template.id,
    type: template.type,
    name: template.name,
    body: template.body,
    headers: template.headers.map(({ name, template: value }) => ({ name, template: value })),
    sharing: { byNetwork: { adminsCanModify: false } },
  };
}

/** Routes for `/api/v1/networks/{networkId}/webhooks/payloadTemplates[/{payloadTemplateId}]`. */
export function payloadTemplateRoutes({ db, callbacks }: AppContext): Router {
  const router = Router();
  const collection = '/api/v1/networks/:networkId/webhooks/payloadTemplates';
  const item = `${collection}/:payloadTemplateId`;

  router.get(collection, async (req, res) => {
    const custom = await db
      .selectFrom('payload_templates')
      .select(['id', 'name', 'body', 'headers'])
      .where('network_id', '=', req.params.networkId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    const templates: NetworkPayloadTemplate[] = [...includedTemplates, ...custom.map((row) => ({ ...row, type: 'custom' as const }))];
    res.json(templates.map(toPayloadTemplate));
  });

  router.get(item, async (req, res) => {
    const template = await findPayloadTemplate(db, req.params.networkId, req.params.payloadTemplateId);
    if (!template) throw new NotFoundError('Payload template not found');
    res.json(toPayloadTemplate(template));
  });

  router.post(collection, async (req, res) => {
    const request = req.body as CreateNetworkWebhooksPayloadTemplateData['body'];
    const template = await db.transaction().execute((trx) => createPayloadTemplate(trx, callbacks.templates, req.params.networkId, request));
    res.status(201).json(toPayloadTemplate(template));
  });

  router.put(item, async (req, res) => {
    const { networkId, payloadTemplateId: id } = req.params;
    const request = req.body as UpdateNetworkWebhooksPayloadTemplateData['body'];
    const template = await db.transaction().execute((trx) => updatePayloadTemplate(trx, callbacks.templates, networkId, id, request));
    res.json(toPayloadTemplate(template));
  });

  router.delete(item, async (req, res) => {
    const { networkId, payloadTemplateId: id } = req.params;
    await db.transaction().execute((trx) => deletePayloadTemplate(trx, networkId, id));
    res.status(204).end();
  });

  return router;
}
