/** The simulated dongle's behaviour as data: when it answers a command. */
import type { DeviceBehaviour } from '../db/database.js';

/** When a dongle answers a command sent at `sentAt`: after its `answerDelayMs` (default at once), or never when offline. */
export function answerTimeOf(behaviour: DeviceBehaviour, sentAt: Date): Date | null {
  if (behaviour.offline) return null;
  return new Date(sentAt.getTime() + Math.max(0, behaviour.answerDelayMs ?? 0));
}
