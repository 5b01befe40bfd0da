/** Refuses numeric path and query parameters not written as plain decimals (`1e400`, `0x10`, ` 12`): 400 naming them. */
import type { RequestHandler } from 'express';
import type { OpenAPIV3_1 } from 'openapi-types';
import { InputError } from '../errors.js';

/** One numeric parameter of an operation, and where its raw text is. */
interface NumericParameter {
  name: string;
  in: 'query' | 'path';
  integer: boolean;
  /** For a path parameter, the index of the segment it fills. */
  segment?: number;
}

const INTEGER = /^-?[0-9]+$/;
const DECIMAL = /^-?[0-9]+(?:\.[0-9]+)?$/;

/** Follows a local `$ref` (`#/components/…`) to what it names. */
function resolve<T>(spec: OpenAPIV3_1.Document, value: T | OpenAPIV3_1.ReferenceObject): T {
  let current: unknown = value;
  for (let hops = 0; hops < 10 && typeof current === 'object' && current !== null && '$ref' in current; hops++) {
    const pointer = String((current as OpenAPIV3_1.ReferenceObject).$ref).replace(/^#\//, '').split('/');
    current = pointer.reduce<unknown>((node, part) => (node as Record<string, unknown> | undefined)?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], spec);
  }
  return current as T;
}

/** Whether a (resolved) schema is an integer (true), another number (false), or not numeric (undefined); arrays by their items. */
function numericKind(spec: OpenAPIV3_1.Document, schema: OpenAPIV3_1.SchemaObject | undefined): boolean | undefined {
  if (!schema) return undefined;
  if (schema.type === 'array') return numericKind(spec, resolve(spec, schema.items as OpenAPIV3_1.SchemaObject));
  if (schema.type === 'integer') return true;
  if (schema.type === 'number') return false;
  return undefined;
}

/** Every operation's numeric parameters, keyed `METHOD openApiRoute`. */
function numericParameters(spec: OpenAPIV3_1.Document): Map<string, NumericParameter[]> {
  const byOperation = new Map<string, NumericParameter[]>();
  for (const [route, item] of Object.entries(spec.paths ?? {})) {
    if (!item) continue;
    const segments = route.split('/');
    for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
      const operation = item[method];
      if (!operation) continue;
      const found: NumericParameter[] = [];
      for (const ref of [...(item.parameters ?? []), ...(operation.parameters ?? [])]) {
        const parameter = resolve<OpenAPIV3_1.ParameterObject>(spec, ref);
        if (parameter.in !== 'query' && parameter.in !== 'path') continue;
        const integer = numericKind(spec, resolve(spec, parameter.schema as OpenAPIV3_1.SchemaObject));
        if (integer === undefined) continue;
        const segment = segments.indexOf(`{${parameter.name}}`);
        found.push({ name: parameter.name, in: parameter.in, integer, ...(segment >= 0 ? { segment } : {}) });
      }
      if (found.length > 0) byOperation.set(`${method.toUpperCase()} ${route}`, found);
    }
  }
  return byOperation;
}

/** Why a numeric parameter's raw text is refused, or null when it is a plain decimal a double holds. */
function looseNumberProblem(parameter: NumericParameter, raw: string): string | null {
  const plain = parameter.integer ? INTEGER.test(raw) : DECIMAL.test(raw);
  if (!plain) return `${parameter.in}.${parameter.name}: must be ${parameter.integer ? 'an integer' : 'a number'} in plain decimal digits, got ${JSON.stringify(raw)}`;
  if (!Number.isFinite(Number(raw))) return `${parameter.in}.${parameter.name}: is out of range, got ${JSON.stringify(raw)}`;
  return null;
}

/**
 * Builds the middleware; it runs after the spec validator. The validator's type coercion reads `1e400` as Infinity
 * (which then skips `maximum`) and `0x10` as 16, so the raw text is checked here, once, for every numeric parameter.
 */
export function refuseLooseNumbers(spec: OpenAPIV3_1.Document): RequestHandler {
  const byOperation = numericParameters(spec);
  return (req, _res, next) => {
    const parameters = req.openapi ? byOperation.get(`${req.method} ${req.openapi.openApiRoute}`) : undefined;
    if (!parameters) return next();
    const queryAt = req.originalUrl.indexOf('?');
    const query = new URLSearchParams(queryAt >= 0 ? req.originalUrl.slice(queryAt + 1) : '');
    const pathSegments = req.path.split('/');
    const errors: string[] = [];
    for (const parameter of parameters) {
      const raws: string[] = [];
      if (parameter.in === 'query') {
        // `perPage[]=…` and `perPage[0]=…` reach the same parameter through the extended query parser.
        for (const [key, value] of query) if (key === parameter.name || key.startsWith(`${parameter.name}[`)) raws.push(value);
      } else if (parameter.segment !== undefined && pathSegments[parameter.segment] !== undefined) {
        raws.push(decodeURIComponent(pathSegments[parameter.segment]!));
      }
      for (const raw of raws) {
        const problem = looseNumberProblem(parameter, raw);
        if (problem) errors.push(problem);
      }
    }
    if (errors.length > 0) throw new InputError(errors);
    next();
  };
}
