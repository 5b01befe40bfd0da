/** SSIDs: read and update one of a wireless network's 15 SSIDs. */
import { Router } from 'express';
import type { UpdateNetworkWirelessSsidData } from '../../generated/client/types.gen.js';
import type { AppContext } from '../http/app-context.js';
import { getSsid, updateSsid } from './update-ssid.js';

/** Routes for `/api/v1/networks/{networkId}/wireless/ssids/{number}`. */
export function ssidRoutes({ db }: AppContext): Router {
  const router = Router();
  const path = '/api/v1/networks/:networkId/wireless/ssids/:number';

  router.get(path, async (req, res) => {
    res.json(await getSsid(db, req.params.networkId, Number(req.params.number)));
  });

  router.put(path, async (req, res) => {
    const body = req.body as NonNullable<UpdateNetworkWirelessSsidData['body']>;
    const ssid = await db.transaction().execute((trx) => updateSsid(trx, req.params.networkId, Number(req.params.number), body));
    res.json(ssid);
  });

  return router;
}
