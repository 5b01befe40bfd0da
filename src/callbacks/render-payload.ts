/** Renders a payload template (Liquid body and headers) against a callback or alert payload into the bytes and headers to send. */
import type { Liquid } from 'liquidjs';
import { SERVER_HEADERS } from '../delivery/server-headers.js';
import { SAMPLE_SHARED_SECRET, sampleAlert, sampleCallback } from './sample-payloads.js';
import { TemplateError } from './template-error.js';
import type { TemplateHeader } from './template-files.js';
import { parseRenderedJson } from './template-json.js';
import { createRenderBudget, parseTemplate, renderTemplate } from './template-render.js';

export { TemplateError } from './template-error.js';
export { decodeTemplateFiles, type TemplateFiles, type TemplateHeader } from './template-files.js';

/** The parts of a payload template that render: the Liquid body and the Liquid value of each header. */
export interface PayloadTemplateSource {
  body: string;
  headers: readonly TemplateHeader[];
}

/** A rendered payload: the body as compact JSON text, and header values by name. */
export interface RenderedPayload {
  body: string;
  headers: Record<string, string>;
}

/** Largest rendered header value, in UTF-8 bytes (default 8 KiB = 8,192). */
export const MAX_HEADER_VALUE_BYTES = 8 * 1024;

// RFC 9110 token characters.
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

// Framing and hop-by-hop headers belong to the HTTP client: a template setting them could break or smuggle requests.
const RESERVED_HEADERS = new Set([
  'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'expect', 'te', 'trailer',
  'proxy-connection',
]);

/** Checks header names (HTTP tokens, not reserved, not the server's own, not repeated, in any case); throws TemplateError naming the first bad one. */
function checkHeaderNames(headers: readonly TemplateHeader[]): void {
  const seen = new Set<string>();
  for (const { name } of headers) {
    if (!HEADER_NAME.test(name)) throw new TemplateError(`header name ${JSON.stringify(name)} is not a valid HTTP header name`);
    const lower = name.toLowerCase();
    if (RESERVED_HEADERS.has(lower)) throw new TemplateError(`header "${name}" is set by the HTTP client and cannot be templated`);
    if (SERVER_HEADERS.has(lower)) throw new TemplateError(`header "${name}" is set by the server on every delivery and cannot be templated`);
    if (seen.has(lower)) throw new TemplateError(`header "${name}" is given more than once`);
    seen.add(lower);
  }
}

/** A copy of plain JSON data whose objects have no prototype, so a template can reach nothing but the data itself. */
function plainData(value: object): Record<string, unknown> {
  return JSON.parse(JSON.stringify(value), (_key, item: unknown) =>
    item !== null && typeof item === 'object' && !Array.isArray(item) ? Object.assign(Object.create(null), item) : item,
  ) as Record<string, unknown>;
}

/** The rendered body as compact JSON text; every failure (not JSON, too deep, anything else) is a TemplateError. */
function serialise(rendered: string): string {
  try {
    return JSON.stringify(parseRenderedJson(rendered));
  } catch (error) {
    if (error instanceof TemplateError) throw error;
    throw new TemplateError(`body cannot be serialised: ${(error as Error).message}`);
  }
}

/**
 * Renders `template` for `payload`: the template sees the payload's top-level fields plus `sharedSecret` (from `extra`
 * when given, else the payload's own). The body must render to JSON and comes back re-serialised compactly; a header
 * that renders empty is left out. Body and headers share one render budget. Throws TemplateError.
 */
export async function renderPayload(
  engine: Liquid,
  template: PayloadTemplateSource,
  payload: object,
  extra: { sharedSecret?: string } = {},
): Promise<RenderedPayload> {
  checkHeaderNames(template.headers);
  let scope: Record<string, unknown>;
  try {
    scope = plainData(payload);
  } catch (error) {
    // Payloads are our own data, so this is unlikely; still, it must fail this callback and nothing else.
    throw new TemplateError(`the payload cannot be read as JSON data: ${(error as Error).message}`);
  }
  if (extra.sharedSecret !== undefined) scope.sharedSecret = extra.sharedSecret;
  const budget = createRenderBudget(engine);

  const rendered = await renderTemplate(engine, template.body, scope, 'body', budget);
  // Every printed value is charged to the memory limit, so a longer body can only come from looping literal text.
  if (rendered.length > engine.options.memoryLimit) {
    throw new TemplateError(`body renders to more than ${engine.options.memoryLimit} characters`);
  }
  const body = serialise(rendered);

  const headers: Record<string, string> = {};
  for (const { name, template: source } of template.headers) {
    let value: string;
    try {
      value = (await renderTemplate(engine, source, scope, 'header', budget)).trim();
    } catch (error) {
      throw new TemplateError(`header "${name}": ${(error as Error).message}`);
    }
    // Printed values are already made single-line; a line break here comes from the template's own text.
    if (/[\r\n]/.test(value)) throw new TemplateError(`header "${name}" renders to more than one line`);
    if (/[\u0000-\u0008\u000b-\u001f\u007f]/.test(value)) throw new TemplateError(`header "${name}" renders a control character`);
    if (Buffer.byteLength(value, 'utf8') > MAX_HEADER_VALUE_BYTES) {
      throw new TemplateError(`header "${name}" renders to more than ${MAX_HEADER_VALUE_BYTES} bytes`);
    }
    if (value !== '') headers[name] = value;
  }
  return { body, headers };
}

/**
 * Checks a new or changed template: its sources parse, and it renders against both the sample callback and the sample
 * alert; throws TemplateError saying which sample failed and why (answer 400 with its message). Returns both renders.
 */
export async function checkTemplate(
  engine: Liquid,
  template: PayloadTemplateSource,
): Promise<{ callback: RenderedPayload; alert: RenderedPayload }> {
  checkHeaderNames(template.headers);
  // Parse errors do not depend on data: report them before, and without, naming a sample.
  parseTemplate(engine, template.body);
  for (const { name, template: source } of template.headers) {
    try {
      parseTemplate(engine, source);
    } catch (error) {
      throw new TemplateError(`header "${name}": ${(error as Error).message}`);
    }
  }
  const results: Partial<Record<'callback' | 'alert', RenderedPayload>> = {};
  for (const [sample, payload] of [['callback', sampleCallback], ['alert', sampleAlert]] as const) {
    try {
      results[sample] = await renderPayload(engine, template, payload, { sharedSecret: SAMPLE_SHARED_SECRET });
    } catch (error) {
      throw new TemplateError(`with the sample ${sample}: ${(error as Error).message}`, sample);
    }
  }
  return { callback: results.callback!, alert: results.alert! };
}
