/** Renders one Liquid source (a body or a header value) with the engine's limits, caching parsed sources. */
import { Context, type Liquid, type Template } from 'liquidjs';
import { toTemplateError } from './template-error.js';
import { type OutputMode, setOutputMode } from './template-output.js';

/** How many parsed sources each engine keeps (default 256); templates are few, deliveries many. */
export const PARSED_CACHE_SIZE = 256;

const parsedByEngine = new WeakMap<Liquid, Map<string, Template[]>>();

/** Parses `source` (cached per engine); throws TemplateError, e.g. `unknown filter "foo" (line 1, col 4)`. */
export function parseTemplate(engine: Liquid, source: string): Template[] {
  try {
    return parse(engine, source);
  } catch (error) {
    throw toTemplateError(error, engine);
  }
}

function parse(engine: Liquid, source: string): Template[] {
  let cache = parsedByEngine.get(engine);
  if (!cache) parsedByEngine.set(engine, (cache = new Map()));
  const hit = cache.get(source);
  if (hit) {
    // Re-inserting keeps the Map in least-recently-used order, so the oldest entry is the first key.
    cache.delete(source);
    cache.set(source, hit);
    return hit;
  }
  const parsed = engine.parse(source);
  cache.set(source, parsed);
  if (cache.size > PARSED_CACHE_SIZE) cache.delete(cache.keys().next().value!);
  return parsed;
}

/** The time and memory limits of a render, shared by renders that should count against one budget. */
export type RenderBudget = Pick<Context, 'renderLimit' | 'memoryLimit'>;

/** Starts a budget with the engine's limits; its time limit counts from now. */
export function createRenderBudget(engine: Liquid): RenderBudget {
  const { renderLimit, memoryLimit } = new Context({}, engine.options, {}, { liquid: engine });
  return { renderLimit, memoryLimit };
}

/** Renders `source` against `scope` for a body or a header, within `budget` (a fresh one if not given); throws TemplateError. */
export async function renderTemplate(
  engine: Liquid,
  source: string,
  scope: object,
  mode: OutputMode,
  budget: RenderBudget = createRenderBudget(engine),
): Promise<string> {
  try {
    const templates = parse(engine, source);
    // A Context of our own carries the output mode in a register, out of the template's reach, and the shared limits.
    const ctx = new Context(scope, engine.options, {}, { liquid: engine, ...budget });
    setOutputMode(ctx, mode);
    const output: unknown = await engine.render(templates, ctx);
    return typeof output === 'string' ? output : String(output);
  } catch (error) {
    throw toTemplateError(error, engine);
  }
}
