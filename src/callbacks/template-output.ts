/** How a payload template prints values: JSON-escaped in a body, single-line in a header, as they are inside `{% capture %}`. */
import { CaptureTag, type Context } from 'liquidjs';
import { escapeJsonString, templateText, toHeaderText } from './template-escape.js';

// What liquidjs binds `this` to in filters and outputEscape (its FilterImpl type is not exported).
interface FilterThis {
  context: Context;
}

/** Where a render's output goes: `body` (inside JSON strings) or `header` (one header value). */
export type OutputMode = 'body' | 'header';

// Registers live on the render's Context, which templates cannot read, so a template cannot switch modes.
const MODE = 'boomerang.outputMode';
const CAPTURE_DEPTH = 'boomerang.captureDepth';

/** Marks a render context as rendering a body or a header value. */
export function setOutputMode(ctx: Context, mode: OutputMode): void {
  ctx.setRegister(MODE, mode);
}

/** Whether output is being captured into a variable (then it is not yet printed, so not yet escaped). */
export function isCapturing(ctx: Context): boolean {
  return ctx.getRegister<number>(CAPTURE_DEPTH, 0) > 0;
}

/** The `outputEscape` of the engine: escapes every printed value for where it lands, and charges its length to the memory limit. */
export function escapeOutput(this: FilterThis, value: unknown): string {
  const text = templateText(value);
  // liquidjs does not count what outputs write; charging it here bounds a body grown by repeated output.
  this.context.memoryLimit.use(text.length);
  // A captured string is escaped when it is printed, not twice (`{% capture v %}"{{ x }}"{% endcapture %}{{ v | jsonify }}`).
  if (isCapturing(this.context)) return text;
  return this.context.getRegister<OutputMode>(MODE) === 'header' ? toHeaderText(text) : escapeJsonString(text);
}

/** `{% capture %}` that keeps what it captures unescaped, so the variable holds the real text. */
export class TrackedCaptureTag extends CaptureTag {
  override *render(ctx: Context): Generator<unknown, void, string> {
    ctx.setRegister(CAPTURE_DEPTH, ctx.getRegister<number>(CAPTURE_DEPTH, 0) + 1);
    try {
      yield* super.render(ctx);
    } finally {
      ctx.setRegister(CAPTURE_DEPTH, ctx.getRegister<number>(CAPTURE_DEPTH, 0) - 1);
    }
  }
}
