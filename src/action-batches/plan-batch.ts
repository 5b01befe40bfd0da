/** Checks a whole batch before it is stored: every action maps to a spec operation, is valid, and acts inside the caller's organization. */
import type { Kysely } from 'kysely';
import type { Database, StoredAction } from '../db/database.js';
import { InputError } from '../errors.js';
import type { ActionOperations, ResolvedAction } from './action-operations.js';
import { isRowId } from '../db/row-id.js';

/** A batch whose actions all check out. */
export interface BatchPlan {
  actions: ResolvedAction[];
  /** The network of each action's resource (null for organization-level ones). */
  networkIds: (string | null)[];
  /** The one network every action belongs to, else null. */
  networkId: string | null;
}

/** How an action is named in errors: `actions[2] (update /networks/…/wireless/ssids/0)`. */
export function actionLabel(index: number, action: StoredAction): string {
  return `actions[${index}] (${action.operation} ${action.resource})`;
}

/**
 * Resolves and validates every action (removing from each action's body, in place, what its operation does not describe,
 * so the batch is stored without it), then checks that the networks, devices and organizations they name are the
 * organization's (others' are reported as not found, like the ordinary endpoints do). Throws one InputError (400)
 * listing every bad action, so a batch is refused as a whole.
 */
export async function planBatch(db: Kysely<Database>, operations: ActionOperations, organizationId: string, actions: StoredAction[]): Promise<BatchPlan> {
  const errors: string[] = [];
  const resolved: (ResolvedAction | undefined)[] = actions.map((action, index) => {
    const resolution = operations.resolve(action);
    if (resolution.ok) return resolution.action;
    errors.push(`${actionLabel(index, action)}: ${resolution.error}`);
    return undefined;
  });

  const networkIds = new Set<string>();
  const serials = new Set<string>();
  for (const action of resolved) {
    if (action?.params.networkId !== undefined) networkIds.add(String(action.params.networkId));
    if (action?.params.serial !== undefined) serials.add(String(action.params.serial));
  }
  const numericNetworkIds = [...networkIds].filter(isRowId);
  const networks = new Map(
    numericNetworkIds.length > 0
      ? (await db.selectFrom('networks').select(['id', 'organization_id']).where('id', 'in', numericNetworkIds).execute()).map((n) => [n.id, n.organization_id])
      : [],
  );
  const devices = new Map(
    serials.size > 0
      ? (await db.selectFrom('devices').select(['serial', 'organization_id', 'network_id']).where('serial', 'in', [...serials]).execute()).map((d) => [d.serial, d])
      : [],
  );

  const actionNetworks: (string | null)[] = resolved.map((action, index) => {
    if (!action) return null;
    const label = actionLabel(index, actions[index]!);
    const { params } = action;
    if (params.organizationId !== undefined && String(params.organizationId) !== organizationId) {
      errors.push(`${label}: Organization not found (a batch acts only inside its own organization)`);
    }
    if (params.networkId !== undefined) {
      const id = String(params.networkId);
      if (networks.get(id) !== organizationId) errors.push(`${label}: Network not found`);
      return id;
    }
    if (params.serial !== undefined) {
      const device = devices.get(String(params.serial));
      if (device?.organization_id !== organizationId) errors.push(`${label}: Device not found`);
      return device?.network_id ?? null;
    }
    return null;
  });

  if (errors.length > 0) throw new InputError(errors);
  const distinct = new Set(actionNetworks);
  const only = distinct.size === 1 ? [...distinct][0]! : null;
  return { actions: resolved as ResolvedAction[], networkIds: actionNetworks, networkId: only };
}
