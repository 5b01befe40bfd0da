/** The simulated wait for a device's answer, cut short by the run's signal. */
import { setTimeout as sleep } from 'node:timers/promises';
import { DeviceUnreachableError } from './device-driver.js';

/**
 * Resolves after `delayMs` milliseconds, or never when `delayMs` is null (an offline device);
 * rejects with DeviceUnreachableError as soon as `signal` aborts (at once if it already has).
 */
export async function waitForAnswer(serial: string, delayMs: number | null, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new DeviceUnreachableError(serial, { cause: signal.reason });
  if (delayMs === null) {
    // No timer: an offline device holds nothing but the listener, and the job's timeout is what ends the wait.
    return new Promise<void>((_, reject) => {
      signal.addEventListener('abort', () => reject(new DeviceUnreachableError(serial, { cause: signal.reason })), { once: true });
    });
  }
  try {
    await sleep(Math.max(0, delayMs), undefined, { signal });
  } catch (err) {
    if (signal.aborted) throw new DeviceUnreachableError(serial, { cause: signal.reason });
    throw err;
  }
}
