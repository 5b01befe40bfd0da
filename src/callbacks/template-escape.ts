/** Escaping used by payload templates: values written into JSON strings, whole values as JSON, and values written into headers. */

// JSON.stringify leaves these as they are; escaping them too keeps a body safe to embed in HTML or JavaScript
// (`</script>`, U+2028/2029 end a JS string) and keeps `&` from being read as an entity by a careless receiver.
const HTML_SENSITIVE = /[<>&\u2028\u2029]/g;

function unicodeEscape(char: string): string {
  return `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;
}

/** Text of a value as a template prints it: strings as they are, nothing for null/undefined, JSON for objects and arrays. */
export function templateText(value: unknown): string {
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return '';
  // Objects and arrays print as JSON rather than `[object Object]` or Liquid's joined items, so `"{{alertData}}"` stays readable.
  if (typeof value === 'object') return JSON.stringify(value) ?? '';
  return String(value);
}

/** Escapes text for the inside of a JSON string (without the quotes), also escaping `<`, `>`, `&`, U+2028 and U+2029 as `\uXXXX`. */
export function escapeJsonString(text: string): string {
  return JSON.stringify(text).slice(1, -1).replace(HTML_SENSITIVE, unicodeEscape);
}

/** A whole value as JSON text (`null` for undefined), with `<`, `>`, `&`, U+2028 and U+2029 escaped as `\uXXXX`. */
export function toJsonText(value: unknown): string {
  return (JSON.stringify(value) ?? 'null').replace(HTML_SENSITIVE, unicodeEscape);
}

/** Text for a header value: control characters (CR, LF, NUL, DEL…) become spaces, so data can neither split nor break a header. */
export function toHeaderText(text: string): string {
  return text.replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, ' ');
}
