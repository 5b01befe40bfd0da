/** Creates, updates and deletes a network's custom payload templates: the code behind the POST/PUT/DELETE routes and batch actions. */
import { sql, type Kysely } from 'kysely';
import type { CreateNetworkWebhooksPayloadTemplateData, UpdateNetworkWebhooksPayloadTemplateData } from '../../generated/client/types.gen.js';
import type { NetworkPayloadTemplate } from '../callbacks/find-payload-template.js';
import { findIncludedTemplate } from '../callbacks/included-templates.js';
import type { TemplateRenderer } from '../callbacks/template-pool.js';
import {
  decodeTemplateFiles,
  TemplateError,
  type PayloadTemplateSource,
  type TemplateHeader,
} from '../callbacks/render-payload.js';
import type { Database } from '../db/database.js';
import { InputError, NotFoundError } from '../errors.js';

type CreateBody = CreateNetworkWebhooksPayloadTemplateData['body'];
type UpdateBody = UpdateNetworkWebhooksPayloadTemplateData['body'];

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

/**
 * Checks that a template parses and renders valid output for the sample callback and alert; a failure, including one of
 * the renderer's hard limits (time, memory), is a 400 saying why.
 */
async function checkOrRefuse(trx: Kysely<Database>, templates: TemplateRenderer, networkId: string, source: PayloadTemplateSource): Promise<void> {
  // The organization takes its turn for the renderer (a network that is not there is refused later, as before).
  const network = await trx.selectFrom('networks').select('organization_id').where('id', '=', networkId).executeTakeFirst();
  try {
    await templates.check(source, network?.organization_id ?? '');
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

/** Checks and inserts a custom template of `networkId` inside `trx`; 400 when it is incomplete or does not render. */
export async function createPayloadTemplate(trx: Kysely<Database>, templates: TemplateRenderer, networkId: string, request: CreateBody): Promise<NetworkPayloadTemplate> {
  const source = requestedSource(request);
  await checkOrRefuse(trx, templates, networkId, source);
  const row = await trx
    .insertInto('payload_templates')
    .values({
      id: sql<string>`'wpt_' || nextval('payload_template_seq')`,
      network_id: networkId,
      name: request.name,
      body: source.body,
      headers: JSON.stringify(source.headers),
    })
    .returning(['id', 'name', 'body', 'headers'])
    .executeTakeFirstOrThrow();
  return { ...row, type: 'custom' };
}

/** Checks and applies an update to a custom template inside `trx`, with its row locked; 400 for an included template, 404 when missing. */
export async function updatePayloadTemplate(
  trx: Kysely<Database>,
  templates: TemplateRenderer,
  networkId: string,
  id: string,
  request: UpdateBody,
): Promise<NetworkPayloadTemplate> {
  refuseIncluded(id, 'changed');
  const current = await trx
    .selectFrom('payload_templates')
    .select(['body', 'headers'])
    .where('network_id', '=', networkId)
    .where('id', '=', id)
    .forUpdate()
    .executeTakeFirst();
  if (!current) throw new NotFoundError('Payload template not found');
  const source = requestedSource(request, current);
  await checkOrRefuse(trx, templates, networkId, source);
  const row = await trx
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
  return { ...row, type: 'custom' };
}

/** Deletes a custom template inside `trx`; 400 for an included one or one an HTTP server uses, 404 when missing. */
export async function deletePayloadTemplate(trx: Kysely<Database>, networkId: string, id: string): Promise<void> {
  refuseIncluded(id, 'deleted');
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
}
