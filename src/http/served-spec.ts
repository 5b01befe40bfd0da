/** The spec as `/openapi.json` and `/openapi.yaml` serve it. */
import type { OpenAPIV3_1 } from 'openapi-types';

/**
 * The receiving URL the spec's examples give callbacks (`callback.url`, `callback_url`, webhook tests): the demo
 * organization's inbox, as it would be on the default port. Served, it becomes that inbox's real URL on this server.
 */
export const EXAMPLE_INBOX_URL = 'http://127.0.0.1:8080/inbox/demo-inbox-token-from-the-seed00';

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
  return JSON.parse(JSON.stringify(served).replaceAll(EXAMPLE_INBOX_URL, `${origin}/inbox/${demoInboxToken}`)) as OpenAPIV3_1.Document;
}
