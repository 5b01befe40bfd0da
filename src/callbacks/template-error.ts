/** The error every payload template failure becomes, with a message fit for a 400 answer or a delivery log. */
import type { Liquid } from 'liquidjs';

/** A payload template that cannot be parsed or rendered, or whose output is not acceptable; `message` says why. */
export class TemplateError extends Error {
  override name = 'TemplateError';

  /** Which sample payload failed, when the error comes from checkTemplate. */
  readonly sample?: 'callback' | 'alert';

  constructor(message: string, sample?: 'callback' | 'alert') {
    super(message);
    if (sample) this.sample = sample;
  }
}

/** Turns what liquidjs (or rendering) threw into a TemplateError with a readable reason, e.g. `unknown filter "foo" (line 1, col 9)`. */
export function toTemplateError(error: unknown, engine: Liquid): TemplateError {
  if (error instanceof TemplateError) return error;
  const full = error instanceof Error ? error.message : String(error);
  const original = (error as { originalError?: unknown } | null)?.originalError;
  const reason = original instanceof Error ? original.message : full.replace(/, line:\d+, col:\d+$/, '');
  const place = /, line:(\d+), col:(\d+)$/.exec(full);
  const at = place ? ` (line ${place[1]}, col ${place[2]})` : '';

  if (error instanceof RangeError || original instanceof RangeError) {
    // V8 throws RangeError for a blown stack (tags nested thousands deep) and for a string past its maximum length.
    if (/call stack/i.test(reason)) return new TemplateError(`template nests too deeply${at}`);
    return new TemplateError('render produced too much output');
  }
  if (reason === 'template render limit exceeded') return new TemplateError(`render exceeded ${engine.options.renderLimit} ms`);
  if (reason === 'memory alloc limit exceeded') {
    return new TemplateError(`render exceeded the memory limit of ${engine.options.memoryLimit} characters`);
  }
  if (reason === 'parse length limit exceeded') {
    return new TemplateError(`template is longer than ${engine.options.parseLimit} characters`);
  }
  const filter = /^undefined filter: (.+)$/.exec(reason);
  if (filter) return new TemplateError(`unknown filter "${filter[1]}"${at}`);
  return new TemplateError(`${reason}${at}`);
}
