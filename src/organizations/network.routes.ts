/** Networks: list an organization's networks, create one, read, update and delete one. */
import { Router, type Request } from 'express';
import type {
  CreateOrganizationNetworkData,
  GetNetworkResponse,
  GetOrganizationNetworksData,
  GetOrganizationNetworksResponse,
  UpdateNetworkData,
} from '../../generated/client/types.gen.js';
import type { NetworkRow } from '../db/database.js';
import { NotFoundError } from '../errors.js';
import type { AppContext } from '../http/app-context.js';
import { baseUrl } from '../http/base-url.js';
import { fetchPage, setLinkHeader, type PageSpec } from '../http/pagination.js';
import { organizationOf } from '../http/request-context.js';
import { tagsCondition } from './tag-filter.js';
import { createOrganizationNetwork } from './create-network.js';
import { deleteNetwork } from './delete-network.js';
import { updateNetwork } from './update-network.js';

const page: PageSpec = { key: 'networks.id', defaultPerPage: 1000, numericKey: true };

/** The API resource for a network row. */
export function toNetwork(row: NetworkRow, req: Request): GetNetworkResponse {
  return {
    id: row.id,
    organizationId: row.organization_id,
    name: row.name,
    productTypes: row.product_types as GetNetworkResponse['productTypes'],
    timeZone: row.time_zone,
    tags: row.tags,
    enrollmentString: null,
    url: `${baseUrl(req)}/api/v1/networks/${row.id}`,
    notes: row.notes,
    isBoundToConfigTemplate: false,
  };
}

/** Routes for `/api/v1/organizations/{organizationId}/networks` and `/api/v1/networks/{networkId}`. */
export function networkRoutes({ db }: AppContext): Router {
  const router = Router();

  router.get('/api/v1/organizations/:organizationId/networks', async (req, res) => {
    const query = req.query as GetOrganizationNetworksData['query'] & {};
    let base = db.selectFrom('networks').selectAll().where('organization_id', '=', organizationOf(req));
    if (query.tags?.length) base = base.where(tagsCondition('networks.tags', query.tags, query.tagsFilterType));
    if (query.productTypes?.length) base = base.where(tagsCondition('networks.product_types', query.productTypes, 'withAnyTags'));
    const result = await fetchPage(base, query, page);
    setLinkHeader(res, `/organizations/${organizationOf(req)}/networks`, query, result, page);
    const body: GetOrganizationNetworksResponse = result.rows.map((row) => toNetwork(row, req));
    res.json(body);
  });

  router.post('/api/v1/organizations/:organizationId/networks', async (req, res) => {
    const body = req.body as CreateOrganizationNetworkData['body'];
    const row = await db.transaction().execute((trx) => createOrganizationNetwork(trx, organizationOf(req), body));
    res.status(201).json(toNetwork(row, req));
  });

  router.get('/api/v1/networks/:networkId', async (req, res) => {
    const row = await db.selectFrom('networks').selectAll().where('id', '=', req.params.networkId).executeTakeFirst();
    if (!row) throw new NotFoundError('Network not found');
    res.json(toNetwork(row, req));
  });

  router.put('/api/v1/networks/:networkId', async (req, res) => {
    const body = req.body as UpdateNetworkData['body'];
    const row = await db.transaction().execute((trx) => updateNetwork(trx, req.params.networkId, body));
    res.json(toNetwork(row, req));
  });

  router.delete('/api/v1/networks/:networkId', async (req, res) => {
    await db.transaction().execute((trx) => deleteNetwork(trx, req.params.networkId));
    res.status(204).end();
  });

  return router;
}
