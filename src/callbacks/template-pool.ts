/**
 * Renders payload templates off the main thread, in worker threads with a heap limit and a hard time limit, so that no
 * template (whatever filter or range it uses) can block the event loop or take the process's memory.
 */
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import { FairLimit } from '../concurrency/fair-limit.js';
import { RendererUnavailableError } from '../errors.js';
import type { PayloadTemplateSource, RenderedPayload } from './render-payload.js';
import type { TemplateLimits } from './template-engine.js';
import { TemplateError } from './template-error.js';
import type { TemplateTask, WorkerMessage } from './template-worker.js';

/** Renders and checks payload templates; a template's failure is a TemplateError saying why, the renderer's own a RendererUnavailableError. */
export interface TemplateRenderer {
  /** Checks a new or changed template of `organizationId` against the sample callback and alert (see checkTemplate). */
  check(template: PayloadTemplateSource, organizationId: string): Promise<{ callback: RenderedPayload; alert: RenderedPayload }>;
  /** Renders a template for a payload of `organizationId` (see renderPayload). */
  render(template: PayloadTemplateSource, payload: object, organizationId: string, extra?: { sharedSecret?: string }): Promise<RenderedPayload>;
}

/** Limits and size of a template pool; each falls back to its default. */
export interface TemplatePoolOptions {
  /** Workers kept running even when idle, so a render never waits for one to start (default 1). */
  minThreads?: number;
  /** Most workers at once, i.e. renders in parallel (default 2). */
  maxThreads?: number;
  /** Hard limit on one task's run time, in milliseconds, after which its worker is terminated (default 1,000). */
  timeoutMs?: number;
  /** Heap of each worker, in MiB (default 64): old and young generations together. */
  heapMb?: number;
  /** How long a worker above `minThreads` may stay idle before it is stopped, in milliseconds (default 30,000). */
  idleMs?: number;
  /** Liquid's own limits in each worker (default: the engine's, with `memoryLimit` DEFAULT_POOL_MEMORY_LIMIT). */
  limits?: TemplateLimits;
  logger?: Logger;
}

/** Hard limit on one render or check, in milliseconds (default 1,000): four times Liquid's own 250 ms render limit. */
export const DEFAULT_TASK_TIMEOUT_MS = 1000;

/**
 * Liquid's memory limit in a render worker, in its units ≈ characters or array items (default 1 MiB = 1,048,576): what a
 * 64 MiB heap holds with room to spare, so a huge range, array filter or string fails at once with this precise reason.
 */
export const DEFAULT_POOL_MEMORY_LIMIT = 1024 * 1024;

/** Heap of a render worker, in MiB (default 64). */
export const DEFAULT_WORKER_HEAP_MB = 64;

// Young generation of a worker, in MiB, taken out of its heap: enough for short-lived render garbage.
const YOUNG_GENERATION_MB = 8;

interface Task {
  task: TemplateTask;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  running?: Task;
  timer?: NodeJS.Timeout;
  idleTimer?: NodeJS.Timeout;
  /** Set when the pool itself ends this worker (time limit, idle, close), so its exit is not read as a crash. */
  ending?: Error | 'quiet';
}

// The worker's own module cannot be `new Worker(path)`-ed from source: neither Node 20 nor vitest runs a .ts worker.
// This tiny CommonJS bootstrap (evaluated, so it needs no file) registers tsx's loader first when running from source.
const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})();
`;

/** Where the worker module is and, when running from TypeScript source, the tsx loader it needs. */
function workerEntry(): { entry: string; tsx: string | null } {
  const fromSource = import.meta.url.endsWith('.ts');
  const entry = new URL(fromSource ? './template-worker.ts' : './template-worker.js', import.meta.url).href;
  const tsx = fromSource ? import.meta.resolve('tsx/esm/api') : null;
  return { entry, tsx };
}

/** A pool of render workers (the default TemplateRenderer of a server); `close()` stops them. */
export class TemplatePool implements TemplateRenderer {
  private readonly slots = new Set<Slot>();
  /** Tasks that hold a turn and wait for a worker: at most `maxThreads`, so a worker starting or ending is all they wait for. */
  private readonly queue: Task[] = [];
  private readonly turns: FairLimit;
  private readonly minThreads: number;
  private readonly maxThreads: number;
  private readonly timeoutMs: number;
  private readonly heapMb: number;
  private readonly idleMs: number;
  private readonly workerData: { entry: string; tsx: string | null; limits: TemplateLimits };
  private closed = false;

  constructor(private readonly options: TemplatePoolOptions = {}) {
    this.minThreads = Math.max(1, options.minThreads ?? 1);
    this.maxThreads = Math.max(this.minThreads, options.maxThreads ?? 2);
    this.turns = new FairLimit(this.maxThreads);
    this.timeoutMs = options.timeoutMs ?? DEFAULT_TASK_TIMEOUT_MS;
    this.heapMb = options.heapMb ?? DEFAULT_WORKER_HEAP_MB;
    this.idleMs = options.idleMs ?? 30_000;
    this.workerData = { ...workerEntry(), limits: { memoryLimit: DEFAULT_POOL_MEMORY_LIMIT, ...options.limits } };
  }

  /** Starts the warm workers and waits until they are ready; rejects when a worker cannot start (a boot-time check). */
  async start(): Promise<void> {
    await Promise.all(Array.from({ length: this.minThreads - this.slots.size }, () => this.spawn()));
  }

  check(template: PayloadTemplateSource, organizationId: string): Promise<{ callback: RenderedPayload; alert: RenderedPayload }> {
    return this.run(organizationId, { kind: 'check', template }) as Promise<{ callback: RenderedPayload; alert: RenderedPayload }>;
  }

  render(template: PayloadTemplateSource, payload: object, organizationId: string, extra: { sharedSecret?: string } = {}): Promise<RenderedPayload> {
    return this.run(organizationId, { kind: 'render', template, payload, extra }) as Promise<RenderedPayload>;
  }

  /** Fails queued tasks and stops every worker; running tasks fail with `template renderer is shut down`. */
  async close(): Promise<void> {
    this.closed = true;
    const stopped = new RendererUnavailableError('shut down');
    for (const task of this.queue.splice(0)) task.reject(stopped);
    await Promise.all([...this.slots].map((slot) => this.end(slot, stopped)));
  }

  private async run(organizationId: string, task: TemplateTask): Promise<unknown> {
    if (this.closed) throw new RendererUnavailableError('shut down');
    // Organizations take turns for the workers: one organization's pile of slow renders (each up to the time limit)
    // holds another's render back by at most the renders already running, never by its whole pile.
    const release = await this.turns.acquire(organizationId);
    try {
      if (this.closed) throw new RendererUnavailableError('shut down');
      return await new Promise((resolve, reject) => {
        this.queue.push({ task, resolve, reject });
        this.pump();
      });
    } finally {
      release();
    }
  }

  /** Hands queued tasks to idle ready workers, starting workers up to the maximum when none is idle. */
  private pump(): void {
    while (this.queue.length > 0) {
      const idle = [...this.slots].find((slot) => slot.ready && !slot.running && !slot.ending);
      if (!idle) break;
      this.dispatch(idle, this.queue.shift()!);
    }
    const starting = [...this.slots].filter((slot) => !slot.ready).length;
    if (this.queue.length > starting && this.slots.size < this.maxThreads && !this.closed) this.spawn().catch(() => {});
  }

  private dispatch(slot: Slot, task: Task): void {
    clearTimeout(slot.idleTimer);
    slot.running = task;
    // The clock starts when the worker takes the task, so time spent queued behind others never counts against it.
    slot.timer = setTimeout(() => void this.end(slot, new TemplateError(`render exceeded the time limit of ${this.timeoutMs} ms`)), this.timeoutMs);
    slot.worker.ref();
    try {
      slot.worker.postMessage(task.task);
    } catch (error) {
      // A payload that cannot be copied to the worker (too deep for the structured clone, say) fails alone.
      this.settle(slot);
      task.reject(new TemplateError(`the payload cannot be passed to the renderer: ${(error as Error).message}`));
      this.pump();
    }
  }

  /** Clears a slot's running task and timers, and lets an idle worker not hold the process open. */
  private settle(slot: Slot): Task | undefined {
    const task = slot.running;
    clearTimeout(slot.timer);
    slot.running = undefined;
    slot.worker.unref();
    if (this.slots.size > this.minThreads && !this.closed) {
      slot.idleTimer = setTimeout(() => void this.end(slot, 'quiet'), this.idleMs);
      slot.idleTimer.unref();
    }
    return task;
  }

  private spawn(): Promise<void> {
    const worker = new Worker(BOOTSTRAP, {
      eval: true,
      workerData: this.workerData,
      resourceLimits: { maxOldGenerationSizeMb: this.heapMb - YOUNG_GENERATION_MB, maxYoungGenerationSizeMb: YOUNG_GENERATION_MB },
      // The worker's output is not the tenant's to write to ours.
      stdout: true,
      stderr: true,
    });
    // Referenced while starting and while running a task (someone awaits it); unreferenced when idle.
    const slot: Slot = { worker, ready: false };
    this.slots.add(slot);
    return new Promise<void>((resolve, reject) => {
      let crash: Error | undefined;
      worker.on('message', (message: WorkerMessage) => {
        if ('ready' in message) {
          slot.ready = true;
          this.settle(slot);
          resolve();
          this.pump();
          return;
        }
        const task = this.settle(slot);
        if (message.ok) task?.resolve(message.value);
        else task?.reject(new TemplateError(message.message, message.sample));
        this.pump();
      });
      worker.on('error', (error) => (crash = error));
      worker.on('exit', () => {
        this.slots.delete(slot);
        const task = slot.running;
        clearTimeout(slot.timer);
        clearTimeout(slot.idleTimer);
        if (!slot.ready) {
          // A worker that cannot even start is a server fault: the waiting tasks fail rather than wait forever.
          const reason = new RendererUnavailableError(`a worker failed to start: ${crash?.message ?? 'it exited'}`);
          this.options.logger?.error({ err: crash }, 'template worker failed to start');
          for (const queued of this.queue.splice(0)) queued.reject(reason);
          reject(reason);
        } else if (task) {
          task.reject(crashReason(crash, this.heapMb));
        }
        if (!this.closed && slot.ready && this.slots.size < this.minThreads) this.spawn().catch(() => {});
        this.pump();
      });
    });
  }

  /** Terminates a worker; a task it was running fails with `reason` at once, not when the worker has gone. */
  private async end(slot: Slot, reason: Error | 'quiet'): Promise<void> {
    if (slot.ending) return;
    slot.ending = reason;
    // A worker deep inside one native call (a sort, a join) can take a while to notice termination; its caller need not
    // wait for that. It still counts against maxThreads until it exits, so a stuck worker never adds a thread.
    const task = slot.running;
    slot.running = undefined;
    if (task && reason instanceof Error) task.reject(reason);
    await slot.worker.terminate();
  }
}

/** Why a worker died under a task: out of its heap (the template's doing), or anything else (the renderer's, told, not hidden). */
function crashReason(crash: Error | undefined, heapMb: number): Error {
  if ((crash as { code?: string } | undefined)?.code === 'ERR_WORKER_OUT_OF_MEMORY') {
    return new TemplateError(`render exceeded the memory limit of ${heapMb} MiB`);
  }
  return new RendererUnavailableError(`a worker stopped: ${crash?.message ?? 'it exited'}`);
}
