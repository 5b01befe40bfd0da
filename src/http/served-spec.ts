/** The spec as `/openapi.json` and `/openapi.yaml` serve it. */
import type { OpenAPIV3_1 } from 'openapi-types';
import { httpServerId } from '../webhooks/http-server.routes.js';

/**
 * The token the spec's examples give the demo organization's inbox, and the receiving URL they give callbacks
 * (`callback.url`, `callback_url`, webhook tests): that inbox on the default port. Served, both become the real ones.
 */
export const EXAMPLE_INBOX_TOKEN = 'demo-inbox-token-from-the-seed00';
/** That inbox's URL in the examples. */
export const EXAMPLE_INBOX_URL = `http://127.0.0.1:8080/inbox/${EXAMPLE_INBOX_TOKEN}`;

/**
 * The spec with `servers` naming `origin`, the origin it was fetched from, so that Swagger UI and generated clients
 * call the server that served it; without an origin (a `Host` header that names no host) the spec's own relative `/`.
 * With the demo data's inbox token, the examples' callback URLs are that inbox on this origin, so that "Try it out"
 * delivers to something the person can watch at /inbox.
 */
export function servedSpec(spec: OpenAPIV3_1.Document, origin: string | undefined, demoInboxToken?: string): OpenAPIV3_1.Document {
  if (!origin) return spec;
  const served = { ...spec, servers: [{ url: origin, description: 'This server, at the origin this document was fetched from.' }] };
  if (demoInboxToken === undefined) return served;
  const url = `${origin}/inbox/${demoInboxToken}`;
  // An HTTP server's id is made from its URL: the examples' one follows the URL.
  const text = JSON.stringify(served)
    .replaceAll(EXAMPLE_INBOX_URL, url)
    .replaceAll(httpServerId(EXAMPLE_INBOX_URL), httpServerId(url))
    .replaceAll(EXAMPLE_INBOX_TOKEN, demoInboxToken);
  return JSON.parse(text) as OpenAPIV3_1.Document;
}
