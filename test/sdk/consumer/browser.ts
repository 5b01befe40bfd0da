/**
 * A browser consumer's code, type-checked by test/sdk/consumer.test.ts with the DOM library and no Node types: the
 * client and the receiver kit's verify and parse need nothing of Node.
 */
import { createClient, getOrganizations, parseCallback, verifyWebhook, type PingCallback } from '@boomerang/sdk';

/** Lists organizations, then verifies and parses a ping callback given as a fetch Request. */
export async function check(baseUrl: string, apiKey: string, request: Request, secret: string): Promise<PingCallback> {
  const client = createClient({ baseUrl, apiKey });
  const { error } = await getOrganizations({ client });
  if (error) throw new Error(error.errors.join('; '));
  const body = new Uint8Array(await request.arrayBuffer());
  await verifyWebhook(body, request.headers, secret);
  return parseCallback('createDeviceLiveToolsPing', body);
}
