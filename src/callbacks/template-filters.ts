/** Filters that payload templates get beyond Liquid's standard ones, Meraki's `jsonify` first. */
import type { Context, FilterImplOptions } from 'liquidjs';
import { templateText, toJsonText } from './template-escape.js';

// What liquidjs binds `this` to in filters and outputEscape (its FilterImpl type is not exported).
interface FilterThis {
  context: Context;
}

/** The whole value as JSON (`{{ alertData | jsonify }}`); `raw` so that outputEscape does not escape it again. */
function jsonify(this: FilterThis, value: unknown): string {
  const text = toJsonText(value);
  this.context.memoryLimit.use(text.length);
  return text;
}

/** Liquid's `raw` (print without outputEscape), charged to the memory limit like every other output. */
function raw(this: FilterThis, value: unknown): string {
  const text = templateText(value);
  this.context.memoryLimit.use(text.length);
  return text;
}

/** Base64 of the UTF-8 text of a value, e.g. for `Authorization: Basic {{ sharedSecret | base64_encode }}`. */
function base64Encode(this: FilterThis, value: unknown): string {
  const text = Buffer.from(templateText(value), 'utf8').toString('base64');
  this.context.memoryLimit.use(text.length);
  return text;
}

/** Filters registered on every template engine, replacing liquidjs's own `json`, `jsonify` and `raw`. */
export const templateFilters: Record<string, FilterImplOptions> = {
  jsonify: { handler: jsonify, raw: true },
  json: { handler: jsonify, raw: true },
  raw: { handler: raw, raw: true },
  base64_encode: base64Encode,
};
