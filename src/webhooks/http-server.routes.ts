/** HTTP servers: a network's webhook receivers. The id is the Base64 of the URL, so the URL never changes. */
import { Router } from 'express';
import type { Kysely } from 'kysely';
import type {
  CreateNetworkWebhooksHttpServerData,
  HttpServer,
  UpdateNetworkWebhooksHttpServerData,
} from '../../generated/client/types.gen.js';
import { DEFAULT_SERVER_TEMPLATE, includedTemplates } from '../callbacks/included-templates.js';
import { checkCallbackUrl, checkSharedSecret } from '../callbacks/resolve-target.js';
import type { SecretBox } from '../callbacks/secret-box.js';
import type { Database } from '../db/database.js';
import { InputError, NotFoundError } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { findPayloadTemplate, findPayloadTemplateIdByName, type NetworkPayloadTemplate } from '../callbacks/find-payload-template.js';

type CreateBody = CreateNetworkWebhooksHttpServerData['body'];
// The spec has no `url` in an update; a client may still send one, and it must not pass silently.
type UpdateBody = UpdateNetworkWebhooksHttpServerData['body'] & { url?: unknown };

/** The id of the HTTP server at `url`: standard, padded Base64 of its UTF-8 bytes, as Meraki's. */
export function httpServerId(url: string): string {
  return Buffer.from(url, 'utf8').toString('base64');
}

/** The API resource for an HTTP server; `templateName` is its payload template's name. */
function toHttpServer(row: { id: string; network_id: string; name: string; url: string; payload_template_id: string }, templateName: string): HttpServer {
  return {
    id: row.id,
    name: row.name,
    url: row.url,
    networkId: row.network_id,
    payloadTemplate: { payloadTemplateId: row.payload_template_id, name: templateName },
  };
}

/** The secret to store: sealed, or null when none (or an empty one) is given. */
function sealedSecret(secrets: SecretBox, secret: string | undefined): string | null {
  return secret ? secrets.seal(secret) : null;
}

/**
 * The template an HTTP server asks for: by `payloadTemplateId` (its `name`, when also given, must match), else by
 * `name` alone, else `fallbackId`. A custom template is share-locked until the transaction ends. Throws InputError
 * when the network has no such template.
 */
async function requestedTemplate(
  trx: Kysely<Database>,
  networkId: string,
  request: { payloadTemplateId?: string; name?: string } | undefined,
  fallbackId: string,
): Promise<NetworkPayloadTemplate> {
  const name = request?.name;
  let id = request?.payloadTemplateId;
  if (id === undefined && name !== undefined) id = await findPayloadTemplateIdByName(trx, networkId, name, 'payloadTemplate');
  id ??= fallbackId;
  const template = await findPayloadTemplate(trx, networkId, id, { lock: true });
  if (!template) throw new InputError(`payloadTemplate ${id} does not exist in this network`);
  if (name !== undefined && name !== template.name) {
    throw new InputError(`payloadTemplate.name "${name}" is not the name of ${template.id} ("${template.name}")`);
  }
  return template;
}

/** Routes for `/api/v1/networks/{networkId}/webhooks/httpServers[/{httpServerId}]`. */
export function httpServerRoutes({ db, callbacks }: AppContext): Router {
  const router = Router();
  const collection = '/api/v1/networks/:networkId/webhooks/httpServers';
  const item = `${collection}/:httpServerId`;

  /** The network's servers (all, or the one with `id`) with their template names, oldest first. */
  async function listServers(networkId: string, id?: string): Promise<HttpServer[]> {
    let query = db
      .selectFrom('http_servers as s')
      .leftJoin('payload_templates as t', (join) => join.onRef('t.id', '=', 's.payload_template_id').onRef('t.network_id', '=', 's.network_id'))
      .select(['s.id', 's.network_id', 's.name', 's.url', 's.payload_template_id', 't.name as template_name'])
      .where('s.network_id', '=', networkId)
      .orderBy('s.created_at')
      .orderBy('s.id');
    if (id !== undefined) query = query.where('s.id', '=', id);
    const rows = await query.execute();
    return rows.map((row) => {
      const included = includedTemplates.find((template) => template.id === row.payload_template_id);
      return toHttpServer(row, included?.name ?? row.template_name ?? row.payload_template_id);
    });
  }

  router.get(collection, async (req, res) => {
    res.json(await listServers(req.params.networkId));
  });

  router.get(item, async (req, res) => {
    const [server] = await listServers(req.params.networkId, req.params.httpServerId);
    if (!server) throw new NotFoundError('HTTP server not found');
    res.json(server);
  });

  router.post(collection, async (req, res) => {
    const { networkId } = req.params;
    const body = req.body as CreateBody;
    checkSharedSecret('sharedSecret', body.sharedSecret);
    // Resolving the host may take a while: do it before the transaction holds any lock.
    await checkCallbackUrl(callbacks, body.url);
    const server = await db.transaction().execute(async (trx) => {
      const template = await requestedTemplate(trx, networkId, body.payloadTemplate, DEFAULT_SERVER_TEMPLATE);
      // The id is the URL, so the primary key is what refuses a second server for the same URL, even under a race.
      const row = await trx
        .insertInto('http_servers')
        .values({
          network_id: networkId,
          id: httpServerId(body.url),
          name: body.name,
          url: body.url,
          secret_ciphertext: sealedSecret(callbacks.secrets, body.sharedSecret),
          payload_template_id: template.id,
        })
        .onConflict((oc) => oc.columns(['network_id', 'id']).doNothing())
        .returning(['id', 'network_id', 'name', 'url', 'payload_template_id'])
        .executeTakeFirst();
      if (!row) throw new InputError(`an HTTP server with url ${body.url} already exists in this network`);
      return toHttpServer(row, template.name);
    });
    res.status(201).json(server);
  });

  router.put(item, async (req, res) => {
    const { networkId, httpServerId: id } = req.params;
    const body = req.body as UpdateBody;
    checkSharedSecret('sharedSecret', body.sharedSecret);
    const server = await db.transaction().execute(async (trx) => {
      const current = await trx
        .selectFrom('http_servers')
        .select(['url', 'payload_template_id'])
        .where('network_id', '=', networkId)
        .where('id', '=', id)
        .forUpdate()
        .executeTakeFirst();
      if (!current) throw new NotFoundError('HTTP server not found');
      if (body.url !== undefined && body.url !== current.url) {
        throw new InputError('url cannot be changed (the id is derived from it); add another HTTP server for the new URL');
      }
      const template = await requestedTemplate(trx, networkId, body.payloadTemplate, current.payload_template_id);
      const row = await trx
        .updateTable('http_servers')
        .set({
          ...(body.name !== undefined ? { name: body.name } : {}),
          ...(body.sharedSecret !== undefined ? { secret_ciphertext: sealedSecret(callbacks.secrets, body.sharedSecret) } : {}),
          payload_template_id: template.id,
        })
        .where('network_id', '=', networkId)
        .where('id', '=', id)
        .returning(['id', 'network_id', 'name', 'url', 'payload_template_id'])
        .executeTakeFirstOrThrow();
      return toHttpServer(row, template.name);
    });
    res.json(server);
  });

  router.delete(item, async (req, res) => {
    const result = await db
      .deleteFrom('http_servers')
      .where('network_id', '=', req.params.networkId)
      .where('id', '=', req.params.httpServerId)
      .executeTakeFirst();
    if (result.numDeletedRows === 0n) throw new NotFoundError('HTTP server not found');
    res.status(204).end();
  });

  return router;
}
