/** Organizations: list the caller's organizations and read one. */
import { Router, type Request } from 'express';
import type { GetOrganizationResponse, GetOrganizationsData, GetOrganizationsResponse } from '../../generated/client/types.gen.js';
import type { OrganizationRow } from '../db/database.js';
import type { AppContext } from '../http/app-context.js';
import { baseUrl } from '../http/base-url.js';
import { fetchPage, setLinkHeader, type PageSpec } from '../http/pagination.js';
import { callerOf, organizationOf } from '../http/request-context.js';

const page: PageSpec = { key: 'organizations.id', defaultPerPage: 9000, numericKey: true };

/** The API resource for an organization row. */
export function toOrganization(row: Pick<OrganizationRow, 'id' | 'name'>, req: Request): GetOrganizationResponse {
  return {
    id: row.id,
    name: row.name,
    url: `${baseUrl(req)}/api/v1/organizations/${row.id}`,
    api: { enabled: true },
    licensing: { model: 'co-term' },
    cloud: { region: { name: 'Local' } },
    management: { details: [] },
  };
}

/** Routes for `/api/v1/organizations` and `/api/v1/organizations/{organizationId}`. */
export function organizationRoutes({ db }: AppContext): Router {
  const router = Router();

  router.get('/api/v1/organizations', async (req, res) => {
    const query = req.query as GetOrganizationsData['query'] & {};
    const ids = [...callerOf(req).organizationIds];
    const base = db.selectFrom('organizations').select(['id', 'name']).where('id', 'in', ids.length ? ids : ['0']);
    const result = await fetchPage(base, query, page);
    setLinkHeader(res, '/organizations', query, result, page);
    const body: GetOrganizationsResponse = result.rows.map((row) => toOrganization(row, req));
    res.json(body);
  });

  router.get('/api/v1/organizations/:organizationId', async (req, res) => {
    const row = await db
      .selectFrom('organizations')
      .select(['id', 'name'])
      .where('id', '=', organizationOf(req))
      .executeTakeFirstOrThrow();
    res.json(toOrganization(row, req));
  });

  return router;
}
