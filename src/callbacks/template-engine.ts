/** The hardened Liquid engine for webhook payload templates: no file access, bounded time, memory and size, JSON-safe output. */
import { Liquid, Tag, type TagToken, type TopLevelToken } from 'liquidjs';
import { templateFilters } from './template-filters.js';
import { escapeOutput, TrackedCaptureTag } from './template-output.js';

/**
 * Longest time one render may take, in milliseconds, checked between tags (default 250). A wall-clock limit: it keeps
 * a wide margin over a real render (well under a millisecond) so that a busy machine or a GC pause does not fail a
 * legitimate callback, while a template that loops still stops early with this reason.
 */
export const DEFAULT_RENDER_LIMIT_MS = 250;

/** Memory one render may allocate, in liquidjs units (about one per character or array item; default 10 MiB ≈ 10,485,760). */
export const DEFAULT_MEMORY_LIMIT = 10 * 1024 * 1024;

/** Longest template source, in characters (default 64 KiB = 65,536). */
export const DEFAULT_PARSE_LIMIT = 64 * 1024;

/** Limits of a template engine; each falls back to its default. */
export interface TemplateLimits {
  /** Longest time one render may take, in milliseconds (default 250). */
  renderLimitMs?: number;
  /** Memory one render may allocate, in liquidjs units ≈ characters (default 10 MiB). */
  memoryLimit?: number;
  /** Longest template source, in characters (default 64 KiB). */
  parseLimit?: number;
}

/** Stands in for `include`, `render` and `layout`: a payload template may not load other templates, so these fail when parsed. */
class RefusedTag extends Tag {
  constructor(token: TagToken, remainTokens: TopLevelToken[], liquid: Liquid) {
    super(token, remainTokens, liquid);
    // Failing at parse time (not render time) lets a template check catch it even in a branch that sample data never takes.
    throw new Error(`tag "${token.name}" is not allowed: payload templates cannot load other templates`);
  }

  *render(): Generator<unknown, void, unknown> {}
}

/** Creates a Liquid engine for untrusted payload templates (one per process is enough; it is safe to share). */
export function createTemplateEngine(limits: TemplateLimits = {}): Liquid {
  const engine = new Liquid({
    // An empty in-memory file system: even if a tag tried to load a file, no path (not /etc/passwd) resolves.
    templates: {},
    cache: false,
    renderLimit: limits.renderLimitMs ?? DEFAULT_RENDER_LIMIT_MS,
    memoryLimit: limits.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
    parseLimit: limits.parseLimit ?? DEFAULT_PARSE_LIMIT,
    // A misspelt filter is an error at check time, not silently the unfiltered value in a delivery.
    strictFilters: true,
    strictVariables: false,
    ownPropertyOnly: true,
    outputEscape: escapeOutput,
    // Dates render the same on every server, whatever its time zone and locale.
    timezoneOffset: 0,
    locale: 'en-US',
    globals: {},
  });
  for (const name of ['include', 'render', 'layout']) engine.registerTag(name, RefusedTag);
  engine.registerTag('capture', TrackedCaptureTag);
  for (const [name, filter] of Object.entries(templateFilters)) engine.registerFilter(name, filter);
  return engine;
}
