/** The worker thread a TemplatePool renders in: one engine and its parse cache per worker, one task at a time. */
import { parentPort, workerData } from 'node:worker_threads';
import { checkTemplate, renderPayload, TemplateError, type PayloadTemplateSource, type RenderedPayload } from './render-payload.js';
import { includedTemplates } from './included-templates.js';
import { createTemplateEngine, type TemplateLimits } from './template-engine.js';

/** A task for the worker: check a template against the samples, or render one for a payload. */
export type TemplateTask =
  | { kind: 'check'; template: PayloadTemplateSource }
  | { kind: 'render'; template: PayloadTemplateSource; payload: object; extra: { sharedSecret?: string } };

/** What the worker answers: `ready` once loaded, then one outcome per task. */
export type WorkerMessage =
  | { ready: true }
  | { ok: true; value: RenderedPayload | { callback: RenderedPayload; alert: RenderedPayload } }
  | { ok: false; message: string; sample?: 'callback' | 'alert' };

async function run(task: TemplateTask): Promise<WorkerMessage> {
  try {
    const value = task.kind === 'check' ? await checkTemplate(engine, task.template) : await renderPayload(engine, task.template, task.payload, task.extra);
    return { ok: true, value };
  } catch (error) {
    if (error instanceof TemplateError) return { ok: false, message: error.message, ...(error.sample ? { sample: error.sample } : {}) };
    // Whatever else breaks is still this template's failure, told as a reason rather than a crash.
    return { ok: false, message: `render failed: ${error instanceof Error ? error.message : String(error)}` };
  }
}

const engine = createTemplateEngine((workerData as { limits?: TemplateLimits } | null)?.limits ?? {});
const port = parentPort;
if (port) {
  port.on('message', (task: TemplateTask) => {
    void run(task).then((answer) => port.postMessage(answer));
  });
  // A fresh worker's first renders compile liquidjs's code and can exceed the render limit on a busy machine:
  // rendering the included templates once before taking work keeps that cost out of real deliveries (and caches them).
  for (const template of includedTemplates) await checkTemplate(engine, template).catch(() => undefined);
  port.postMessage({ ready: true } satisfies WorkerMessage);
}
