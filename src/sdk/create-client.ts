/** The SDK's client: one base URL (the server's origin) and one API key, sent once, in `Authorization: Bearer`. */
import { createClient as createFetchClient, createConfig, type Client, type Config } from '../../generated/client/client/index.js';
import { BoomerangError } from './boomerang-error.js';

/** How to reach a Boomerang server. */
export interface BoomerangClientOptions {
  /**
   * The server's origin, e.g. `http://localhost:8080` (or the prefix a reverse proxy serves it under). The SDK's
   * paths already start with `/api/v1` or `/dongle`: the `…/api/v1` base is for Meraki's SDKs, not this one.
   */
  baseUrl: string;
  /** The API key; sent as `Authorization: Bearer KEY`, which both API families accept. */
  apiKey?: string | undefined;
  /** A fetch implementation (default: the platform's). */
  fetch?: typeof fetch | undefined;
  /** Headers sent with every request. */
  headers?: Record<string, string> | undefined;
}

/** The base URL without a trailing slash; refuses what cannot be one, and the Meraki-style `…/api/v1` base. */
function checkedBaseUrl(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError(`baseUrl must be an absolute http(s) URL such as http://localhost:8080, got "${baseUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TypeError(`baseUrl must be http or https, got "${baseUrl}"`);
  if (url.search !== '' || url.hash !== '') throw new TypeError(`baseUrl must have no query or fragment, got "${baseUrl}"`);
  const trimmed = url.href.replace(/\/+$/, '');
  if (/\/(api\/v1|dongle)$/.test(url.pathname.replace(/\/+$/, ''))) {
    throw new TypeError(`baseUrl is the server's origin (${url.origin}): the SDK's paths already start with /api/v1 and /dongle`);
  }
  return trimmed;
}

/**
 * A client for every SDK function: `createDeviceLiveToolsPing({ client, path: { serial }, body })`. Each call answers
 * `{ data, error, response }`; `error` (or what `throwOnError: true` throws) is a BoomerangError `{ status, errors }`.
 */
export function createClient(options: BoomerangClientOptions): Client {
  const { apiKey } = options;
  const config: Config = {
    baseUrl: checkedBaseUrl(options.baseUrl),
    // The spec lists two schemes per operation (Bearer and Meraki's or AutoPi's header); answering only the Bearer
    // one sends the key once.
    ...(apiKey === undefined ? {} : { auth: (scheme: { scheme?: string }) => (scheme.scheme === 'bearer' ? apiKey : undefined) }),
    ...(options.fetch === undefined ? {} : { fetch: options.fetch }),
    ...(options.headers === undefined ? {} : { headers: options.headers }),
  };
  const client = createFetchClient(createConfig(config));
  client.interceptors.error.use((error, response) =>
    // A network failure has no response: that error stays what fetch threw.
    response === undefined ? error : BoomerangError.from(response.status, response.statusText, error),
  );
  return client;
}
