/** Webhook logs: every request sent for an organization, filtered by time and URL, a page at a time. */
import { Router } from 'express';
import type { GetOrganizationWebhooksLogsData, GetOrganizationWebhooksLogsResponse } from '../../generated/client/types.gen.js';
import { InputError } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { fetchPage, setLinkHeader, type PageSpec } from '../http/pagination.js';
import { organizationOf } from '../http/request-context.js';

const page: PageSpec = { key: 'delivery_attempts.id', defaultPerPage: 50, numericKey: true };
const DAY_MS = 86_400_000;

/** Resolves `t0`, `t1` and `timespan` (seconds, default one day) into a window, with Meraki's limits (90 days back, 31 days wide). */
export function logWindow(query: { t0?: string; t1?: string; timespan?: number }, now: Date): { from: Date; to: Date } {
  if (query.timespan !== undefined && (query.t0 !== undefined || query.t1 !== undefined)) {
    throw new InputError('timespan cannot be combined with t0 or t1');
  }
  const parse = (name: string, value: string | undefined) => {
    if (value === undefined) return undefined;
    const time = Date.parse(value);
    if (Number.isNaN(time)) throw new InputError(`${name} must be an ISO 8601 date-time, got "${value}"`);
    return new Date(time);
  };
  const t0 = parse('t0', query.t0);
  const t1 = parse('t1', query.t1);
  if (t0 && t0 > now) throw new InputError('t0 must not be in the future');
  const to = t1 ?? (t0 ? new Date(Math.min(now.getTime(), t0.getTime() + 31 * DAY_MS)) : now);
  const from = t0 ?? new Date(to.getTime() - (query.timespan !== undefined ? query.timespan * 1000 : DAY_MS));
  if (from.getTime() < now.getTime() - 90 * DAY_MS) throw new InputError('t0 may be at most 90 days ago');
  if (to.getTime() - from.getTime() > 31 * DAY_MS) throw new InputError('t1 may be at most 31 days after t0');
  if (to < from) throw new InputError('t1 must not be before t0');
  return { from, to };
}

/** Routes for `/api/v1/organizations/{organizationId}/webhooks/logs`. */
export function webhookLogRoutes({ db, callbacks }: AppContext): Router {
  const router = Router();

  router.get('/api/v1/organizations/:organizationId/webhooks/logs', async (req, res) => {
    const query = req.query as GetOrganizationWebhooksLogsData['query'] & {};
    const { from, to } = logWindow(query, callbacks.now());
    let base = db
      .selectFrom('delivery_attempts')
      .select(['id', 'organization_id', 'network_id', 'alert_type', 'url', 'sent_at', 'logged_at', 'response_code', 'response_duration'])
      .where('organization_id', '=', organizationOf(req))
      .where('sent_at', '>=', from)
      .where('sent_at', '<=', to);
    if (query.url) base = base.where('url', '=', query.url);
    const result = await fetchPage(base, query, page);
    setLinkHeader(res, `/organizations/${organizationOf(req)}/webhooks/logs`, query, result, page);
    const body: GetOrganizationWebhooksLogsResponse = result.rows.map((row) => ({
      organizationId: row.organization_id,
      networkId: row.network_id,
      alertType: row.alert_type ?? 'Callback',
      url: row.url,
      sentAt: row.sent_at.toISOString(),
      loggedAt: row.logged_at.toISOString(),
      responseCode: row.response_code,
      responseDuration: row.response_duration,
    }));
    res.json(body);
  });

  return router;
}
