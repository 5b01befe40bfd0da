/** Checks one answer against what its operation declares: the status, the media type, the body's schema, the headers. */
import type { OpenAPIV3_1 } from 'openapi-types';
import type { SchemaChecker } from './schema-checker.js';

/** An answer as the runner read it: header names in lower case, the body as text. */
export interface Answer {
  status: number;
  headers: Record<string, string>;
  text: string;
}

/** What checking an answer found: the key of `responses` it matched (undefined: undeclared), the body, and problems. */
export interface ResponseCheck {
  declared: string | undefined;
  /** The parsed JSON body, when there is one. */
  body: unknown;
  problems: string[];
}

/** The `responses` key that declares `status`: the exact code, else its range (`4XX`), else `default`. */
export function declaredStatus(responses: Record<string, unknown>, status: number): string | undefined {
  const keys = Object.keys(responses);
  return keys.find((k) => k === String(status)) ?? keys.find((k) => k.toUpperCase() === `${String(status)[0]}XX`) ?? keys.find((k) => k === 'default');
}

/** Whether a media type (its essence, lower case) is JSON: `application/json` or a `+json` suffix. */
export function isJsonMedia(essence: string): boolean {
  return essence === 'application/json' || essence.endsWith('+json');
}

/** The declared media type key that `contentType` falls under (exact, `type/*`, or `*\/*`). */
export function declaredMedia(content: Record<string, unknown>, contentType: string | undefined): string | undefined {
  const essence = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  const keys = Object.keys(content);
  return (
    keys.find((k) => k.toLowerCase() === essence) ??
    keys.find((k) => k.endsWith('/*') && essence.startsWith(k.slice(0, -1).toLowerCase())) ??
    keys.find((k) => k === '*/*')
  );
}

/** A header's text as the JSON value its schema describes (`"5"` is 5 for an integer header). */
export function headerAsValue(schema: { type?: unknown } | undefined, text: string): unknown {
  const type = Array.isArray(schema?.type) ? schema.type.find((t) => t !== 'null') : schema?.type;
  if ((type === 'integer' || type === 'number') && text.trim() !== '' && !Number.isNaN(Number(text))) return Number(text);
  if (type === 'boolean' && (text === 'true' || text === 'false')) return text === 'true';
  return text;
}

/** Checks declared header objects (name → object) against `headers`; `what` names them in problems. */
export function headerProblems(
  declared: Record<string, { required?: boolean; schema?: object }>,
  headers: Record<string, string>,
  checker: SchemaChecker,
  what = 'header',
): string[] {
  const problems: string[] = [];
  for (const [name, header] of Object.entries(declared)) {
    // Content-Type is described by the media types, not as a header (OpenAPI ignores it here).
    if (name.toLowerCase() === 'content-type') continue;
    const value = headers[name.toLowerCase()];
    if (value === undefined) {
      if (header.required) problems.push(`${what} ${name} is required but missing`);
      continue;
    }
    if (header.schema) for (const p of checker(header.schema, headerAsValue(header.schema, value))) problems.push(`${what} ${name}: ${p.replace(/^\(body\) /, '')}`);
  }
  return problems;
}

/** Checks an answer to `operation`: problems are worded for a person reading the report. */
export function checkResponse(operation: OpenAPIV3_1.OperationObject, answer: Answer, checker: SchemaChecker, method: string): ResponseCheck {
  const responses = (operation.responses ?? {}) as Record<string, OpenAPIV3_1.ResponseObject>;
  const declared = declaredStatus(responses, answer.status);
  if (declared === undefined) {
    return { declared, body: undefined, problems: [`status ${answer.status} is not declared (declared: ${Object.keys(responses).join(', ')})`] };
  }
  const response = responses[declared]!;
  const problems: string[] = [];
  const content = (response.content ?? {}) as Record<string, OpenAPIV3_1.MediaTypeObject>;
  const contentType = answer.headers['content-type'];
  let body: unknown;
  if (Object.keys(content).length === 0) {
    if (answer.text.length > 0 && method !== 'head') problems.push(`status ${declared} declares no body, but ${answer.text.length} bytes came (${contentType ?? 'no Content-Type'})`);
  } else if (answer.text.length === 0 && method !== 'head') {
    problems.push(`status ${declared} declares a body (${Object.keys(content).join(', ')}), but none came`);
  } else if (method !== 'head') {
    const media = declaredMedia(content, contentType);
    if (media === undefined) {
      problems.push(`Content-Type ${contentType ?? '(none)'} is not declared for ${declared} (declared: ${Object.keys(content).join(', ')})`);
    } else if (isJsonMedia((contentType ?? '').split(';')[0]!.trim().toLowerCase())) {
      try {
        body = JSON.parse(answer.text);
      } catch {
        problems.push(`the body is not JSON although Content-Type is ${contentType}`);
      }
      const schema = content[media]!.schema;
      if (body !== undefined && schema !== undefined) for (const p of checker(schema, body)) problems.push(`body: ${p}`);
    }
  }
  problems.push(...headerProblems((response.headers ?? {}) as Record<string, { required?: boolean; schema?: object }>, answer.headers, checker));
  return { declared, body, problems };
}
