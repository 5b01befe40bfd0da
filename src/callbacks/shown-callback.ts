/** How an operation (a live tool job, an action batch) shows its callback. */
import type { CallbackInfo } from '../../generated/client/types.gen.js';

/**
 * The callback as its operation shows it: nothing is queued before the operation finishes, so until then a `running`
 * callback is shown as `new`.
 */
export function shownCallback(callback: { id: string; url: string; status: 'running' | 'completed' | 'failed' }, operationFinished: boolean): CallbackInfo {
  return { id: callback.id, url: callback.url, status: !operationFinished && callback.status === 'running' ? 'new' : callback.status };
}
