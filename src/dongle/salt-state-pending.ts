/**
 * `state.sls pending` on a simulated dongle: AutoPi's `pending` SLS applies the settings queued in the
 * cloud, and the job returns Salt's whole state result dict, keyed `module_|-id_|-name_|-function`.
 */
import { seedOf } from './salt-boot-time.js';
import type { DongleFacts } from './dongle-facts.js';

/** One state's result, as Salt's highstate data holds it (`duration` in milliseconds). */
export interface SaltStateResult {
  name: unknown;
  changes: Record<string, unknown>;
  result: boolean | null;
  comment: string;
  __sls__: string;
  __run_num__: number;
  start_time: string;
  duration: number;
  __id__: string;
}

interface PendingState {
  module: string;
  id: string;
  name: string | number;
  fun: string;
  sls: string;
  ms: number;
  /** What the state does for real, and what it reports under `test=True`. */
  run(facts: DongleFacts): { changes: Record<string, unknown>; comment: string };
  dryRun(facts: DongleFacts): { changes: Record<string, unknown>; comment: string; result: boolean | null };
}

const CONFIG_FILE = '/etc/salt/minion.d/autopi.conf';

function configDiff(facts: DongleFacts): string {
  return ['--- ', '+++ ', '@@ -1,3 +1,3 @@', ` id: ${facts.unitId}`, '-log_level: warning', '+log_level: info', ' mine_interval: 60', ''].join('\n');
}

// The states AutoPi's pending SLS includes for a typical queued settings change, in run order.
const PENDING: PendingState[] = [
  {
    module: 'module',
    id: 'minion-pillar-refreshed',
    name: 'saltutil.refresh_pillar',
    fun: 'run',
    sls: 'minion.pillar',
    ms: 1203.418,
    run: () => ({ changes: { ret: true }, comment: 'Module function saltutil.refresh_pillar executed' }),
    dryRun: () => ({ changes: {}, comment: 'Module function saltutil.refresh_pillar is set to execute', result: null }),
  },
  {
    module: 'file',
    id: 'minion-config-synced',
    name: CONFIG_FILE,
    fun: 'managed',
    sls: 'minion.config',
    ms: 38.207,
    run: (facts) => ({ changes: { diff: configDiff(facts) }, comment: `File ${CONFIG_FILE} updated` }),
    dryRun: (facts) => ({
      changes: { diff: configDiff(facts) },
      comment: `The file ${CONFIG_FILE} is set to be changed\nNote: No changes made, actual changes may\nbe different due to other states.`,
      result: null,
    }),
  },
  {
    module: 'service',
    id: 'minion-service-running',
    name: 'salt-minion',
    fun: 'running',
    sls: 'minion.config',
    ms: 21.93,
    run: () => ({ changes: {}, comment: 'The service salt-minion is already running' }),
    dryRun: () => ({ changes: {}, comment: 'The service salt-minion is already running', result: true }),
  },
  {
    module: 'test',
    id: 'max-pending-sync',
    // The SLS renders `name: {{ max_pending_sync }}`, which YAML reads as a number.
    name: 3,
    fun: 'succeed_without_changes',
    sls: 'pending',
    ms: 0.612,
    run: () => ({ changes: {}, comment: 'Success!' }),
    dryRun: () => ({ changes: {}, comment: 'Success!', result: true }),
  },
];

/** The state result dict of `state.sls pending` run at `now` (`test` = dry run: results `null` where something would change). */
export function pendingStateRun(facts: DongleFacts, now: Date, test: boolean): Record<string, SaltStateResult> {
  const seed = seedOf(facts.unitId);
  // Compiling the SLS takes a moment before the first state starts; times are in microseconds.
  let startMicros = now.getTime() * 1000 + 380_000 + (seed % 90_000);
  const ret: Record<string, SaltStateResult> = {};
  PENDING.forEach((state, index) => {
    const outcome = test ? state.dryRun(facts) : { ...state.run(facts), result: true };
    const duration = Math.round((state.ms + (seed % 1000) / 1000) * 1000) / 1000;
    ret[`${state.module}_|-${state.id}_|-${state.name}_|-${state.fun}`] = {
      name: state.name,
      changes: outcome.changes,
      result: outcome.result,
      comment: outcome.comment,
      __sls__: state.sls,
      __run_num__: index,
      start_time: timeOfDay(startMicros),
      duration,
      __id__: state.id,
    };
    startMicros += Math.round(duration * 1000) + 1_500;
  });
  return ret;
}

// Salt's `start_time` is the minion's local wall clock (UTC on AutoPi) as `HH:MM:SS.ffffff`.
function timeOfDay(micros: number): string {
  const date = new Date(Math.floor(micros / 1000));
  const fraction = ((micros % 1_000_000) + 1_000_000) % 1_000_000;
  // Python's isoformat() leaves out a zero fraction.
  const clock = date.toISOString().slice(11, 19);
  return fraction === 0 ? clock : `${clock}.${String(fraction).padStart(6, '0')}`;
}
