/** Turns a request's `callback` object into where and how to deliver: URL, secret, HTTP server and template. */
import type { Kysely } from 'kysely';
import type { CallbackRequest } from '../../generated/client/types.gen.js';
import type { Database } from '../db/database.js';
import { InputError } from '../errors.js';
import type { CallbackContext } from './callback-context.js';
import { checkDestination, DestinationError } from './destination-guard.js';
import { findPayloadTemplate } from './find-payload-template.js';
import { DEFAULT_CALLBACK_TEMPLATE, findIncludedTemplate } from './included-templates.js';
import { secretProblem } from './webhook-key.js';

/** A resolved callback destination. */
export interface CallbackTarget {
  url: string;
  httpServerId: string | null;
  payloadTemplateId: string;
  /** The shared secret in clear (sealed before it is stored), or null. */
  sharedSecret: string | null;
}

/** Whether `id` names an included template or a custom one of the network. */
export async function templateExists(db: Kysely<Database>, networkId: string | null, id: string): Promise<boolean> {
  if (networkId === null) return findIncludedTemplate(id) !== undefined;
  return (await findPayloadTemplate(db, networkId, id)) !== undefined;
}

/** Checks a URL against the SSRF policy, answering 400 with the reason when refused. */
export async function checkCallbackUrl(ctx: CallbackContext, url: string): Promise<void> {
  try {
    await checkDestination(url, ctx.destinations);
  } catch (err) {
    if (err instanceof DestinationError) throw new InputError(err.message);
    throw err;
  }
}

/** Refuses with 400 a shared secret that cannot key a signature (a `whsec_` one that is not Base64 of 24 bytes or more); `field` names it. */
export function checkSharedSecret(field: string, secret: string | undefined): void {
  const problem = secret === undefined ? undefined : secretProblem(secret);
  if (problem) throw new InputError(`${field}: ${problem}`);
}

/** Validates and resolves a Meraki-style `callback` object for an operation in `networkId`; throws InputError (400) with the reason. */
export async function resolveCallbackTarget(
  db: Kysely<Database>,
  ctx: CallbackContext,
  request: CallbackRequest,
  networkId: string | null,
): Promise<CallbackTarget> {
  const serverId = request.httpServer?.id;
  if (request.url !== undefined && serverId !== undefined) {
    throw new InputError('callback: give either url (with an optional sharedSecret) or httpServer.id, not both');
  }
  if (request.url === undefined && serverId === undefined) throw new InputError('callback: url or httpServer.id is required');
  if (serverId !== undefined && request.sharedSecret !== undefined) {
    throw new InputError('callback: sharedSecret goes with url; an HTTP server brings its own');
  }
  checkSharedSecret('callback.sharedSecret', request.sharedSecret);
  let target: CallbackTarget;
  if (serverId !== undefined) {
    const server =
      networkId === null
        ? undefined
        : await db
            .selectFrom('http_servers')
            .select(['id', 'url', 'secret_ciphertext', 'payload_template_id'])
            .where('network_id', '=', networkId)
            .where('id', '=', serverId)
            .executeTakeFirst();
    if (!server) throw new InputError(`callback: httpServer ${serverId} is not an HTTP server of network ${networkId ?? '(none)'}`);
    target = {
      url: server.url,
      httpServerId: server.id,
      payloadTemplateId: request.payloadTemplate?.id ?? DEFAULT_CALLBACK_TEMPLATE,
      sharedSecret: server.secret_ciphertext ? ctx.secrets.open(server.secret_ciphertext) : null,
    };
  } else {
    target = {
      url: request.url!,
      httpServerId: null,
      payloadTemplateId: request.payloadTemplate?.id ?? DEFAULT_CALLBACK_TEMPLATE,
      sharedSecret: request.sharedSecret || null,
    };
  }
  if (!(await templateExists(db, networkId, target.payloadTemplateId))) {
    throw new InputError(`callback: payloadTemplate ${target.payloadTemplateId} does not exist in this network`);
  }
  await checkCallbackUrl(ctx, target.url);
  return target;
}
