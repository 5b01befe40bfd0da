/**
 * The OpenAPI document a contract run tests against: read from a file or URL (JSON or YAML, 3.0 or 3.1), or
 * Boomerang's own bundled spec, with every `$ref` resolved so that the runner reads schemas directly.
 */
import { readFile } from 'node:fs/promises';
import { dereference } from '@readme/openapi-parser';
import type { OpenAPIV3, OpenAPIV3_1 } from 'openapi-types';
import { parse as parseYaml } from 'yaml';
import { loadSpec } from '../spec/load-spec.js';

/** An OpenAPI document of either version the runner reads. */
export type OpenApiDocument = OpenAPIV3.Document | OpenAPIV3_1.Document;

/** A loaded document: dereferenced, with its OpenAPI major.minor and where it came from. */
export interface ContractDocument {
  doc: OpenApiDocument;
  /** `3.0` or `3.1`: which JSON Schema dialect its schemas are. */
  version: '3.0' | '3.1';
  /** The file, the URL, or `the bundled Boomerang spec`. */
  source: string;
}

/** Thrown when the document cannot be read or is not an OpenAPI 3.0/3.1 document: a usage mistake, not a crash. */
export class ContractDocumentError extends Error {
  override name = 'ContractDocumentError';
}

/** How long fetching a document by URL may take, in milliseconds. */
const FETCH_TIMEOUT_MS = 10_000;

async function readSource(source: string): Promise<string> {
  if (/^https?:\/\//i.test(source)) {
    let response: Response;
    try {
      response = await fetch(source, { signal: AbortSignal.timeout(FETCH_TIMEOUT_MS) });
    } catch (err) {
      throw new ContractDocumentError(`cannot fetch ${source}: ${(err as Error).message}`);
    }
    if (!response.ok) throw new ContractDocumentError(`cannot fetch ${source}: ${response.status} ${response.statusText}`);
    return response.text();
  }
  try {
    return await readFile(source, 'utf8');
  } catch (err) {
    throw new ContractDocumentError(`cannot read ${source}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Loads `source` (a path or an http(s) URL; Boomerang's bundled spec when absent) and dereferences it. A file's
 * relative `$ref`s resolve against the file.
 */
export async function loadContractDocument(source?: string): Promise<ContractDocument> {
  let parsed: unknown;
  if (source === undefined) {
    parsed = loadSpec();
  } else {
    const text = await readSource(source);
    try {
      parsed = text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
    } catch (err) {
      throw new ContractDocumentError(`${source} is neither JSON nor YAML: ${(err as Error).message}`);
    }
  }
  const version = /^3\.(0|1)\./.exec(String((parsed as { openapi?: unknown } | null)?.openapi ?? ''))?.[1];
  if (version === undefined) {
    throw new ContractDocumentError(`${source ?? 'the document'} is not an OpenAPI 3.0 or 3.1 document (its "openapi" field says ${JSON.stringify((parsed as { openapi?: unknown } | null)?.openapi)})`);
  }
  let doc: OpenApiDocument;
  try {
    // A file is dereferenced by path, so that its relative $refs resolve; anything else as the object it parsed to.
    const input = source !== undefined && !/^https?:\/\//i.test(source) ? source : (parsed as OpenApiDocument);
    doc = (await dereference(input as never)) as OpenApiDocument;
  } catch (err) {
    throw new ContractDocumentError(`cannot resolve the $refs of ${source ?? 'the document'}: ${(err as Error).message}`);
  }
  return { doc, version: version === '0' ? '3.0' : '3.1', source: source ?? 'the bundled Boomerang spec' };
}
