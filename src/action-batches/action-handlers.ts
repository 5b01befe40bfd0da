/** What each batchable operation runs: the very functions behind the ordinary endpoints, called with the batch's transaction. */
import type { Kysely } from 'kysely';
import type {
  DeviceUpdate,
  NetworkCreate,
  NetworkUpdate,
  PayloadTemplateCreate,
  PayloadTemplateUpdate,
  WirelessSsidUpdate,
} from '../../generated/client/types.gen.js';
import type { TemplateRenderer } from '../callbacks/template-pool.js';
import type { CreatedResource, Database } from '../db/database.js';
import { createOrganizationNetwork } from '../organizations/create-network.js';
import { deleteNetwork } from '../organizations/delete-network.js';
import { updateDevice } from '../organizations/update-device.js';
import { updateNetwork } from '../organizations/update-network.js';
import { updateSsid } from '../organizations/update-ssid.js';
import { createPayloadTemplate, deletePayloadTemplate, updatePayloadTemplate } from '../webhooks/payload-template-writes.js';

/** What an action may need beyond its transaction. */
export interface ActionEnv {
  /** What payload templates are checked with. */
  templates: TemplateRenderer;
}

/** Runs one validated action; returns the resource it created, if any. */
export type ActionHandler = (
  trx: Kysely<Database>,
  env: ActionEnv,
  params: Record<string, unknown>,
  body: Record<string, unknown>,
) => Promise<CreatedResource | void>;

const text = (value: unknown): string => String(value);

/** The handler of every operation a batch may run, by operationId. */
export const actionHandlers: Record<string, ActionHandler> = {
  updateNetworkWirelessSsid: async (trx, _env, p, body) => {
    await updateSsid(trx, text(p.networkId), Number(p.number), body as WirelessSsidUpdate);
  },
  updateDevice: async (trx, _env, p, body) => {
    await updateDevice(trx, text(p.serial), body as DeviceUpdate);
  },
  updateNetwork: async (trx, _env, p, body) => {
    await updateNetwork(trx, text(p.networkId), body as NetworkUpdate);
  },
  deleteNetwork: async (trx, _env, p) => {
    await deleteNetwork(trx, text(p.networkId));
  },
  createOrganizationNetwork: async (trx, _env, p, body) => {
    const network = await createOrganizationNetwork(trx, text(p.organizationId), body as NetworkCreate);
    return { id: network.id, uri: `/networks/${network.id}` };
  },
  createNetworkWebhooksPayloadTemplate: async (trx, env, p, body) => {
    const networkId = text(p.networkId);
    const template = await createPayloadTemplate(trx, env.templates, networkId, body as PayloadTemplateCreate);
    return { id: template.id, uri: `/networks/${networkId}/webhooks/payloadTemplates/${template.id}` };
  },
  updateNetworkWebhooksPayloadTemplate: async (trx, env, p, body) => {
    await updatePayloadTemplate(trx, env.templates, text(p.networkId), text(p.payloadTemplateId), body as PayloadTemplateUpdate);
  },
  deleteNetworkWebhooksPayloadTemplate: async (trx, _env, p) => {
    await deletePayloadTemplate(trx, text(p.networkId), text(p.payloadTemplateId));
  },
};

/** The operationIds a batch may run. */
export const batchableOperations = Object.keys(actionHandlers);
