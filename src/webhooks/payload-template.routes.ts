/** Payload templates: the six included Liquid templates and a network's custom ones, checked before they are stored. */
import { Router } from 'express';
import { sql } from 'kysely';
import type { Liquid } from 'liquidjs';
import type {
  CreateNetworkWebhooksPayloadTemplateData,
  PayloadTemplate,
  UpdateNetworkWebhooksPayloadTemplateData,
} from '../../generated/client/types.gen.js';
import { findIncludedTemplate, includedTemplates } from '../callbacks/included-templates.js';
import {
  checkTemplate,
  decodeTemplateFiles,
  TemplateError,
  type PayloadTemplateSource,
  type TemplateHeader,
} from '../callbacks/render-payload.js';
import { InputError, NotFoundError } from '../errors.js';
import type { AppContext } from '../http/create-app.js';
import { findPayloadTemplate, type NetworkPayloadTemplate } from '../callbacks/find-payload-template.js';

type CreateBody = CreateNetworkWebhooksPayloadTemplateData['body'];
type UpdateBody = UpdateNetworkWebhooksPayloadTemplateData['body'];

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

/**
 * The body and headers a create (no `current`) or update asks for: text fields or Base64 files, else what is stored.
 * Throws InputError when both forms of one part are given, a file does not decode, or a create has no body.
 */
function requestedSource(request: CreateBody | UpdateBody, current?: PayloadTemplateSource): { body: string; headers: TemplateHeader[] } {
  if (request.body !== undefined && request.bodyFile !== undefined) throw new InputError('give body or bodyFile, not both');
  if (request.headers !== undefined && request.headersFile !== undefined) throw new InputError('give headers or headersFile, not both');
  let files: ReturnType<typeof decodeTemplateFiles>;
  try {
    files = decodeTemplateFiles({ bodyFile: request.bodyFile, headersFile: request.headersFile });
  } catch (error) {
    if (error instanceof TemplateError) throw new InputError(error.message);
    throw error;
  }
  const body = request.body ?? files.body ?? current?.body;
  if (body === undefined) throw new InputError('body or bodyFile is required');
  const headers = request.headers ?? files.headers ?? current?.headers ?? [];
  return { body, headers: headers.map(({ name, template }) => ({ name, template })) };
}

/** Checks that a template parses and renders valid output for the sample callback and alert; a failure is a 400 saying why. */
async function checkOrRefuse(engine: Liquid, source: PayloadTemplateSource): Promise<void> {
  try {
    await checkTemplate(engine, source);
  } catch (error) {
    if (error instanceof TemplateError) throw new InputError(error.message);
    throw error;
  }
}

/** Refuses to change an included template (400); they are shared by every network. */
function refuseIncluded(id: string, verb: 'changed' | 'deleted'): void {
  const included = findIncludedTemplate(id);
  if (included) throw new InputError(`payload template ${id} (${included.name}) is included and cannot be ${verb}; create a custom template instead`);
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
    const request = req.body as CreateBody;
    const source = requestedSource(request);
    await checkOrRefuse(callbacks.templates, source);
    const row = await db
      .insertInto('payload_templates')
      .values({
        id: sql<string>`'wpt_' || nextval('payload_template_seq')`,
        network_id: req.params.networkId,
        name: request.name,
        body: source.body,
        headers: JSON.stringify(source.headers),
      })
      .returning(['id', 'name', 'body', 'headers'])
      .executeTakeFirstOrThrow();
    res.status(201).json(toPayloadTemplate({ ...row, type: 'custom' }));
  });

  router.put(item, async (req, res) => {
    const { networkId, payloadTemplateId: id } = req.params;
    refuseIncluded(id, 'changed');
    const request = req.body as UpdateBody;
    const template = await db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('payload_templates')
        .select(['body', 'headers'])
        .where('network_id', '=', networkId)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!current) throw new NotFoundError('Payload template not found');
      const source = requestedSource(request, current);
      await checkOrRefuse(callbacks.templates, source);
      return trx
        .updateTable('payload_templates')
        .set({
          ...(request.name !== undefined ? { name: request.name } : {}),
          body: source.body,
          headers: JSON.stringify(source.headers),
        })
        .where('network_id', '=', networkId)
        .where('id', '=', id)
        .returning(['id', 'name', 'body', 'headers'])
        .executeTakeFirstOrThrow();
    });
    res.json(toPayloadTemplate({ ...template, type: 'custom' }));
  });

  router.delete(item, async (req, res) => {
    const { networkId, payloadTemplateId: id } = req.params;
    refuseIncluded(id, 'deleted');
    await db.transaction().execute(async (trx) => {
      // The row lock makes an HTTP server being pointed at this template (which share-locks it) either finish first and
      // be seen below, or wait and then find the template gone.
      const template = await trx
        .selectFrom('payload_templates')
        .select('id')
        .where('network_id', '=', networkId)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!template) throw new NotFoundError('Payload template not found');
      const users = await trx
        .selectFrom('http_servers')
        .select(['name', 'url'])
        .where('network_id', '=', networkId)
        .where('payload_template_id', '=', id)
        .orderBy('created_at')
        .execute();
      if (users.length > 0) {
        const names = users.map((server) => `"${server.name}" (${server.url})`).join(', ');
        throw new InputError(`payload template ${id} is used by HTTP server${users.length > 1 ? 's' : ''} ${names}; give ${users.length > 1 ? 'them' : 'it'} another template first`);
      }
      await trx.deleteFrom('payload_templates').where('network_id', '=', networkId).where('id', '=', id).execute();
    });
    res.status(204).end();
  });

  return router;
}
