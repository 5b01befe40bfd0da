/** Decodes the `bodyFile` and `headersFile` of a payload template request (Base64, as Meraki's API takes them). */
import { TemplateError } from './template-error.js';

/** A header of a payload template: its name and the Liquid template of its value. */
export interface TemplateHeader {
  name: string;
  template: string;
}

/** The Base64 files a create or update request may carry instead of `body` and `headers`. */
export interface TemplateFiles {
  bodyFile?: string;
  headersFile?: string;
}

const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;

function decodeBase64(field: string, encoded: string): string {
  // Buffer.from(…, 'base64') skips characters it does not know; a strict check makes a mangled upload an error instead.
  const compact = encoded.replace(/\s+/g, '');
  if (!BASE64.test(compact)) throw new TemplateError(`${field} is not valid Base64`);
  const bytes = Buffer.from(compact, 'base64');
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: false }).decode(bytes);
  } catch {
    throw new TemplateError(`${field} is not UTF-8 text`);
  }
}

function headersFrom(json: unknown): TemplateHeader[] {
  // Meraki's headers files are a JSON object of name to template; a list of {name, template} is accepted as well.
  if (Array.isArray(json)) {
    return json.map((item: unknown, index) => {
      const { name, template } = (item ?? {}) as Record<string, unknown>;
      if (typeof name !== 'string' || typeof template !== 'string') {
        throw new TemplateError(`headersFile item ${index} must be an object with string "name" and "template"`);
      }
      return { name, template };
    });
  }
  if (json !== null && typeof json === 'object') {
    return Object.entries(json).map(([name, template]) => {
      if (typeof template !== 'string') throw new TemplateError(`headersFile value of "${name}" must be a string`);
      return { name, template };
    });
  }
  throw new TemplateError('headersFile must hold a JSON object of header templates or a list of {name, template}');
}

/** Decodes Base64 `bodyFile` (the Liquid body) and `headersFile` (JSON `{name: template}` or `[{name, template}]`); throws TemplateError on bad input. */
export function decodeTemplateFiles(files: TemplateFiles): { body?: string; headers?: TemplateHeader[] } {
  const decoded: { body?: string; headers?: TemplateHeader[] } = {};
  if (files.bodyFile !== undefined) decoded.body = decodeBase64('bodyFile', files.bodyFile);
  if (files.headersFile !== undefined) {
    const text = decodeBase64('headersFile', files.headersFile);
    let json: unknown;
    try {
      json = JSON.parse(text.trim() === '' ? '{}' : text);
    } catch (error) {
      throw new TemplateError(`headersFile is not valid JSON: ${(error as Error).message}`);
    }
    decoded.headers = headersFrom(json);
  }
  return decoded;
}
