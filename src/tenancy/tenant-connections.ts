import type { Platform } from '../platform/platform.ts';
import { ConnectionBudget } from '../db/connection-budget.ts';

const budgets = new WeakMap<Platform, ConnectionBudget>();

/** The one connection budget all of this process's cached tenant pools share (TENANT_CONNECTIONS_MAX). */
export function tenantConnectionBudget(platform: Platform): ConnectionBudget {
  let budget = budgets.get(platform);
  if (!budget) {
    budget = new ConnectionBudget(platform.config.tenantConnectionsMax);
    budgets.set(platform, budget);
  }
  return budget;
}
