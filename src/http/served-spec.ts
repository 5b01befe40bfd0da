/** The spec as `/openapi.json` and `/openapi.yaml` serve it. */
import type { OpenAPIV3_1 } from 'openapi-types';

/**
 * The spec with `servers` naming `origin`, the origin it was fetched from, so that Swagger UI and generated clients
 * call the server that served it; without an origin (a `Host` header that names no host) the spec's own relative `/`.
 */
export function servedSpec(spec: OpenAPIV3_1.Document, origin: string | undefined): OpenAPIV3_1.Document {
  if (!origin) return spec;
  return { ...spec, servers: [{ url: origin, description: 'This server, at the origin this document was fetched from.' }] };
}
