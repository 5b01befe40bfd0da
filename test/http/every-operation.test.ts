/** Every operation in the spec has a handler: none falls through to the "not implemented yet" 501. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/http/create-app.js';
import { startTestServer, type TestServer } from '../support/test-server.js';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(async () => {
  await t?.stop();
});

/** The parts of express's router this test reads: a layer matches a path, and is a route (methods) or a nested router (stack). */
interface Layer {
  match(path: string): boolean;
  route?: { _handlesMethod(method: string): boolean };
  handle: { stack?: Layer[] };
}

/** Whether some route of `stack` (nested routers included) answers `method` on `path`. */
function handled(stack: Layer[], method: string, path: string): boolean {
  return stack.some((layer) => {
    if (layer.route) return layer.match(path) && layer.route._handlesMethod(method);
    return layer.handle.stack !== undefined && handled(layer.handle.stack, method, path);
  });
}

describe('every documented operation', () => {
  it('has a handler (none would answer 501)', () => {
    const app = createApp(t.server.ctx) as unknown as { router: { stack: Layer[] } };
    const spec = t.server.ctx.spec;
    const operations: string[] = [];
    const missing: string[] = [];
    for (const [template, item] of Object.entries(spec.paths ?? {})) {
      // A concrete path: each parameter becomes a value its pattern accepts (digits fit every id and number here).
      const path = template.replace(/\{[^}]+\}/g, '1');
      for (const method of ['get', 'put', 'post', 'delete', 'patch'] as const) {
        if (!item?.[method]) continue;
        operations.push(`${method.toUpperCase()} ${template}`);
        if (!handled(app.router.stack, method, path)) missing.push(`${method.toUpperCase()} ${template}`);
      }
    }
    // The spec is not empty and the walk does find routes, so an empty `missing` means something.
    expect(operations.length).toBeGreaterThan(40);
    expect(handled(app.router.stack, 'get', '/api/v1/organizations')).toBe(true);
    expect(handled(app.router.stack, 'get', '/api/v1/nowhere')).toBe(false);
    expect(missing).toEqual([]);
  });
});
