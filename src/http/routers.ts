/** Every domain's routes, in one list: a new domain adds its routes here and nowhere else. */
import type { Router } from 'express';
import { actionBatchRoutes } from '../action-batches/action-batch.routes.js';
import { dongleCommandRoutes } from '../dongle/dongle-command.routes.js';
import { dongleDeviceRoutes } from '../dongle/dongle-device.routes.js';
import { inboxRoutes } from '../inbox/inbox.routes.js';
import { liveToolRoutes } from '../live-tools/live-tool.routes.js';
import { deviceRoutes } from '../organizations/device.routes.js';
import { networkRoutes } from '../organizations/network.routes.js';
import { organizationRoutes } from '../organizations/organization.routes.js';
import { ssidRoutes } from '../organizations/ssid.routes.js';
import { callbackStatusRoutes } from '../webhooks/callback-status.routes.js';
import { httpServerRoutes } from '../webhooks/http-server.routes.js';
import { payloadTemplateRoutes } from '../webhooks/payload-template.routes.js';
import { webhookLogRoutes } from '../webhooks/webhook-log.routes.js';
import { webhookTestRoutes } from '../webhooks/webhook-test.routes.js';
import type { AppContext } from './app-context.js';

/** The routers `createApp` mounts, in this order, behind authentication, spec validation and organization scope. */
export const routers: readonly ((ctx: AppContext) => Router)[] = [
  organizationRoutes,
  networkRoutes,
  deviceRoutes,
  ssidRoutes,
  dongleDeviceRoutes,
  dongleCommandRoutes,
  liveToolRoutes,
  actionBatchRoutes,
  httpServerRoutes,
  payloadTemplateRoutes,
  webhookTestRoutes,
  callbackStatusRoutes,
  webhookLogRoutes,
  inboxRoutes,
];
