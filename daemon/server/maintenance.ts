/**
 * Periodic upkeep with node-cron: a reconcile of every registered repository
 * (catches events missed while hooks were bypassed), pruning of content no view
 * references, SQLite optimize, and log rotation.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from 'pino';
import { errorMessage } from '../errors.js';

export interface MaintenanceJobs {
  reconcile: () => Promise<void>;
  prune: () => Promise<void>;
  rotateLogs: () => void;
}

export interface MaintenanceSchedule {
  reconcile: string;
  prune: string;
  rotateLogs: string;
}

export const DEFAULT_SCHEDULE: MaintenanceSchedule = {
  reconcile: '*/10 * * * *',
  prune: '17 * * * *',
  rotateLogs: '*/30 * * * *',
};

export function scheduleMaintenance(jobs: MaintenanceJobs, log: Logger, schedule: MaintenanceSchedule = DEFAULT_SCHEDULE): () => void {
  const wrap = (name: string, fn: () => Promise<void> | void) => async () => {
    try {
      await fn();
    } catch (err) {
      log.warn({ job: name, err: errorMessage(err) }, 'maintenance job failed');
    }
  };
  const tasks: ScheduledTask[] = [
    cron.schedule(schedule.reconcile, wrap('reconcile', jobs.reconcile), { name: 'reconcile', noOverlap: true }),
    cron.schedule(schedule.prune, wrap('prune', jobs.prune), { name: 'prune', noOverlap: true }),
    cron.schedule(schedule.rotateLogs, wrap('rotate-logs', jobs.rotateLogs), { name: 'rotate-logs', noOverlap: true }),
  ];
  return () => {
    for (const t of tasks) void t.destroy();
  };
}
