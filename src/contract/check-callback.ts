/** Checks one callback that reached the runner's catcher against its definition in the spec: method, body, headers, signature. */
import type { OpenAPIV3_1 } from 'openapi-types';
import { verifyRequestSignature } from '../sdk/verify-request-signature.js';
import { verifyWebhook } from '../sdk/verify-webhook.js';
import type { CallbackSigning } from './api-request.js';
import type { Arrival } from './callback-catcher.js';
import { declaredMedia, headerProblems, isJsonMedia } from './check-response.js';
import type { SchemaChecker } from './schema-checker.js';

/** What one arrival showed: its parsed body, problems of its shape, and what its signature check found. */
export interface CallbackFindings {
  body: unknown;
  problems: string[];
  /** undefined: passed; a string: why it failed; null: not checked (the reason is in `signatureSkipped`). */
  signatureProblem: string | undefined | null;
  signatureSkipped?: string;
}

/** Checks `arrival` against the callback path item `item`, verifying its signature with `signing` when a key is known. */
export async function checkCallback(item: OpenAPIV3_1.PathItemObject, arrival: Arrival, signing: CallbackSigning | undefined, checker: SchemaChecker): Promise<CallbackFindings> {
  const problems: string[] = [];
  const method = arrival.method.toLowerCase() as 'post';
  const operation = item[method];
  if (operation === undefined) {
    const declared = Object.keys(item).filter((k) => ['get', 'put', 'post', 'delete', 'patch'].includes(k));
    return { body: undefined, problems: [`came as ${arrival.method}, but the callback declares ${declared.join(', ').toUpperCase()}`], signatureProblem: null, signatureSkipped: 'not a declared method' };
  }
  const text = arrival.body.toString('utf8');
  const content = ((operation.requestBody as OpenAPIV3_1.RequestBodyObject | undefined)?.content ?? {}) as Record<string, OpenAPIV3_1.MediaTypeObject>;
  let body: unknown;
  if (Object.keys(content).length > 0) {
    const contentType = arrival.headers['content-type'];
    const media = declaredMedia(content, contentType);
    if (media === undefined) problems.push(`Content-Type ${contentType ?? '(none)'} is not declared (declared: ${Object.keys(content).join(', ')})`);
    if (isJsonMedia((contentType ?? 'application/json').split(';')[0]!.trim().toLowerCase())) {
      try {
        body = JSON.parse(text);
      } catch {
        problems.push('the body is not JSON');
      }
      const schema = media === undefined ? undefined : content[media]!.schema;
      if (body !== undefined && schema !== undefined) for (const p of checker(schema, body)) problems.push(`body: ${p}`);
    }
  }
  const declaredHeaders = Object.fromEntries(
    ((operation.parameters ?? []) as OpenAPIV3_1.ParameterObject[]).filter((p) => p.in === 'header').map((p) => [p.name, { required: p.required ?? false, ...(p.schema ? { schema: p.schema as object } : {}) }]),
  );
  problems.push(...headerProblems(declaredHeaders, arrival.headers, checker));
  if (signing === undefined) return { body, problems, signatureProblem: null, signatureSkipped: 'the callback declares no signature (x-signature or its headers)' };
  if (signing.secret === undefined) return { body, problems, signatureProblem: null, signatureSkipped: `no key known to verify its ${signing.scheme} signature (give --secret)` };
  try {
    if (signing.scheme === 'standard-webhooks') await verifyWebhook(arrival.body, arrival.headers, signing.secret);
    else await verifyRequestSignature(arrival.body, arrival.headers, signing.secret);
    return { body, problems, signatureProblem: undefined };
  } catch (err) {
    return { body, problems, signatureProblem: `${signing.scheme} signature not verified with the key the request gave: ${(err as Error).message}` };
  }
}
