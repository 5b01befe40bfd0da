/**
 * A consumer's program, type-checked and run by test/sdk/consumer.test.ts in a fresh project that has only the SDK
 * package installed (strict, exactOptionalPropertyTypes, skipLibCheck off, plain node). It lists organizations, pages
 * through devices, starts a ping whose callback it receives with the kit, reads the job back, and prints what it saw.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  BoomerangError,
  callbackHandler,
  createClient,
  createDeviceLiveToolsPing,
  getDevice,
  getDeviceLiveToolsPing,
  getOrganizationDevices,
  getOrganizations,
  paginate,
  type PingCallback,
  type PingJob,
  type PingRequest,
} from '@boomerang/sdk';

const [baseUrl, apiKey, secret] = process.argv.slice(2) as [string, string, string];
const client = createClient({ baseUrl, apiKey });

const { data: organizations } = await getOrganizations({ client, throwOnError: true });
const organizationId = organizations[0]!.id;

const serials: string[] = [];
let pingFrom: string | undefined;
for await (const device of paginate(getOrganizationDevices, { client, path: { organizationId }, query: { perPage: 3 } })) {
  serials.push(device.serial);
  if (device.productType === 'appliance') pingFrom ??= device.serial;
}

// The receiver: verified with the secret, checked against the ping callback's schema, typed.
let delivered!: (callback: PingCallback) => void;
const arrived = new Promise<PingCallback>((resolve) => (delivered = resolve));
const receiver = createServer(
  callbackHandler({
    callbacks: ['createDeviceLiveToolsPing'],
    secret,
    onCallback(received) {
      delivered(received.payload);
    },
  }),
);
await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/ping-results`;

// The request type takes the write-only sharedSecret under its natural name.
const request: PingRequest = { target: '10.0.1.1', count: 2, callback: { url: receiverUrl, sharedSecret: secret } };
const serial = pingFrom!;
const { data: started } = await createDeviceLiveToolsPing({ client, path: { serial }, body: request, throwOnError: true });

const timeout = setTimeout(() => {
  console.error('no callback within 20 s');
  process.exit(2);
}, 20_000);
const callback = await arrived;
clearTimeout(timeout);
receiver.close();

const { data: job } = await getDeviceLiveToolsPing({ client, path: { serial, id: started.pingId }, throwOnError: true });

/** What a finished job says, read only where its status allows: the union narrows on `status`. */
function outcome(j: PingJob): string {
  if (j.status === 'complete') return `complete: ${j.results.replies.length} replies, ${j.results.loss.percentage}% loss`;
  if (j.status === 'failed') return `failed: ${j.error}`;
  return j.status;
}

const missing = await getDevice({ client, path: { serial: 'Q0NO-SUCH-0000' } });
const error = missing.error;

console.log(
  JSON.stringify({
    organizationId,
    serials,
    pingId: started.pingId,
    createdStatus: started.status,
    callbackStatus: started.callback?.status ?? null,
    callback: { callbackId: callback.callbackId, pingId: callback.message.pingId, status: callback.message.status, outcome: outcome(callback.message) },
    readBack: { status: job.status, outcome: outcome(job) },
    missing: error instanceof BoomerangError ? { status: error.status, errors: error.errors } : null,
  }),
);
