/** Webhook tests: send a sample alert to a URL through the real delivery path, and report how it went. */
import { randomInt } from 'node:crypto';
import { Router, type Request } from 'express';
import type { Kysely } from 'kysely';
import type { AlertPayload, CreateNetworkWebhooksWebhookTestData, WebhookTest } from '../../generated/client/types.gen.js';
import { enqueuePayload } from '../callbacks/enqueue-payload.js';
import { findPayloadTemplateIdByName } from '../callbacks/find-payload-template.js';
import { DEFAULT_SERVER_TEMPLATE } from '../callbacks/included-templates.js';
import { insertCallback } from '../callbacks/insert-callback.js';
import { checkCallbackUrl, checkSharedSecret, templateExists } from '../callbacks/resolve-target.js';
import type { Database } from '../db/database.js';
import { InputError, NotFoundError } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { baseUrl } from '../http/base-url.js';
import { callerOf, organizationOf } from '../http/request-context.js';
import { isRowId } from '../db/row-id.js';

type WebhookTestBody = NonNullable<CreateNetworkWebhooksWebhookTestData['body']> & { sharedSecret?: string };

/** The contract a test alert is checked against. */
const TEST_ALERT_CONTRACT = 'webhook.deviceWentDown';

/** Human names of the alert types a test may ask for (the sample is always a device alert). */
const ALERT_TYPES: Record<string, string> = {
  power_supply_down: 'Power supply went down',
  stopped_reporting: 'APs went down',
  started_reporting: 'APs came up',
  settings_changed: 'Settings changed',
};

/** A webhook test's status, derived from its delivery: enqueued → processing → retrying → delivered | abandoned. */
export function webhookTestStatus(
  delivery: { status: string; attempts: number; leased_until: Date | null } | undefined,
  now: Date,
): WebhookTest['status'] {
  if (!delivery || delivery.status === 'failed') return 'abandoned';
  if (delivery.status === 'delivered') return 'delivered';
  if (delivery.leased_until && delivery.leased_until > now) return 'processing';
  return delivery.attempts > 0 ? 'retrying' : 'enqueued';
}

/** Finds a template by id or by name among the included ones and the network's own. */
async function templateFor(db: Kysely<Database>, networkId: string, body: WebhookTestBody, serverTemplate: string | undefined): Promise<string> {
  if (body.payloadTemplateId) {
    if (!(await templateExists(db, networkId, body.payloadTemplateId))) throw new InputError(`payloadTemplateId ${body.payloadTemplateId} does not exist in this network`);
    return body.payloadTemplateId;
  }
  if (body.payloadTemplateName) return findPayloadTemplateIdByName(db, networkId, body.payloadTemplateName, 'payloadTemplateName');
  return serverTemplate ?? DEFAULT_SERVER_TEMPLATE;
}

/** Builds the sample alert for a network, occurring `at`, about one of its devices when it has any. */
async function sampleAlertFor(db: Kysely<Database>, req: Request, networkId: string, alertTypeId: string, sharedSecret: string, at: Date): Promise<AlertPayload> {
  const network = await db
    .selectFrom('networks')
    .innerJoin('organizations', 'organizations.id', 'networks.organization_id')
    .select(['networks.id', 'networks.name', 'networks.tags', 'organizations.id as organization_id', 'organizations.name as organization_name'])
    .where('networks.id', '=', networkId)
    .executeTakeFirstOrThrow();
  const device = await db.selectFrom('devices').selectAll().where('network_id', '=', networkId).orderBy('serial').executeTakeFirst();
  const base = baseUrl(req);
  const now = at.toISOString();
  return {
    version: '0.1',
    sharedSecret,
    sentAt: now,
    organizationId: network.organization_id,
    organizationName: network.organization_name,
    organizationUrl: `${base}/api/v1/organizations/${network.organization_id}`,
    networkId: network.id,
    networkName: network.name,
    networkUrl: `${base}/api/v1/networks/${network.id}`,
    networkTags: network.tags,
    deviceSerial: device?.serial ?? 'Q2XX-TEST-0000',
    deviceMac: device?.mac ?? '00:00:00:00:00:00',
    deviceName: device?.name ?? 'Sample device',
    deviceUrl: `${base}/api/v1/devices/${device?.serial ?? 'Q2XX-TEST-0000'}`,
    deviceTags: device?.tags ?? [],
    deviceModel: device?.model ?? 'MR46',
    alertId: String(randomInt(1, 2 ** 47)),
    alertType: ALERT_TYPES[alertTypeId] ?? alertTypeId,
    alertTypeId,
    alertLevel: 'critical',
    occurredAt: now,
    alertData: { test: true },
  };
}

/** Routes for `/api/v1/networks/{networkId}/webhooks/webhookTests`. */
export function webhookTestRoutes({ db, callbacks }: AppContext): Router {
  const router = Router();

  router.post('/api/v1/networks/:networkId/webhooks/webhookTests', async (req, res) => {
    const body = req.body as WebhookTestBody;
    const { networkId } = req.params;
    checkSharedSecret('sharedSecret', body.sharedSecret);
    await checkCallbackUrl(callbacks, body.url);
    const server = await db
      .selectFrom('http_servers')
      .select(['id', 'secret_ciphertext', 'payload_template_id'])
      .where('network_id', '=', networkId)
      .where('url', '=', body.url)
      .executeTakeFirst();
    const payloadTemplateId = await templateFor(db, networkId, body, server?.payload_template_id);
    // An HTTP server configured for this URL lends its secret, as a real alert to it would carry.
    const sharedSecret = body.sharedSecret || (server?.secret_ciphertext ? callbacks.secrets.open(server.secret_ciphertext) : '');
    const alert = await sampleAlertFor(db, req, networkId, body.alertTypeId ?? 'power_supply_down', sharedSecret, callbacks.now());
    const id = await db.transaction().execute(async (trx) => {
      const callbackId = await insertCallback(trx, callbacks, {
        organizationId: organizationOf(req),
        networkId,
        contract: TEST_ALERT_CONTRACT,
        target: { url: body.url, httpServerId: server?.id ?? null, payloadTemplateId, sharedSecret: sharedSecret || null },
        signing: 'standard-webhooks',
        secret: sharedSecret || null,
        createdBy: callerOf(req).adminId,
      });
      const queued = await enqueuePayload(trx, callbacks, callbackId, alert, alert.alertType);
      // A test exists to show what the receiver would get: when nothing can be sent, the caller hears why at once (400),
      // and the rollback leaves no test behind that could only ever be abandoned.
      if (!queued.queued) throw new InputError(queued.errors);
      return callbackId;
    });
    res.status(201).json(await readWebhookTest(db, networkId, id, callbacks.now()));
  });

  router.get('/api/v1/networks/:networkId/webhooks/webhookTests/:webhookTestId', async (req, res) => {
    const { networkId, webhookTestId } = req.params;
    if (!isRowId(webhookTestId)) throw new NotFoundError('Webhook test not found');
    res.json(await readWebhookTest(db, networkId, webhookTestId, callbacks.now()));
  });

  return router;
}

async function readWebhookTest(db: Kysely<Database>, networkId: string, id: string, now: Date): Promise<WebhookTest> {
  const callback = await db
    .selectFrom('callbacks')
    .select(['id', 'url'])
    .where('id', '=', id)
    .where('network_id', '=', networkId)
    .where('contract', '=', TEST_ALERT_CONTRACT)
    .executeTakeFirst();
  if (!callback) throw new NotFoundError('Webhook test not found');
  const delivery = await db.selectFrom('deliveries').select(['status', 'attempts', 'leased_until']).where('callback_id', '=', id).executeTakeFirst();
  return { id: callback.id, url: callback.url, status: webhookTestStatus(delivery, now) };
}
