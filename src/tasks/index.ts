import type { TaskList } from 'graphile-worker';
import type { Knex } from 'knex';
import type { TaskDeps } from './provision-task.js';
import * as deploy from './deploy.js';
import * as destroy from './destroy.js';
import * as plan from './plan.js';
import * as bootstrap from './bootstrap.js';
import * as connectionTest from './connection-test.js';
import * as fetchResources from './fetch-resources.js';
import * as deployWorker from './deploy-worker.js';
import * as destroyWorker from './destroy-worker.js';
import * as reapTendrils from './reap-tendrils.js';
import * as gcQueues from './gc-queues.js';

export const CRONTAB = [
  { task: reapTendrils.identifier, match: '* * * * *', identifier: reapTendrils.identifier, options: { backfillPeriod: 0 } },
  { task: gcQueues.identifier, match: '17 * * * *', identifier: gcQueues.identifier, options: { backfillPeriod: 0 } },
];

export function createTaskList(deps: TaskDeps & { knex: Knex; deadAfterSeconds: number }): TaskList {
  const list: TaskList = {};
  for (const t of [deploy, destroy, plan, bootstrap, connectionTest, fetchResources, deployWorker, destroyWorker]) list[t.identifier] = t.default(deps);
  list[reapTendrils.identifier] = reapTendrils.default(deps.knex, deps.deadAfterSeconds);
  list[gcQueues.identifier] = gcQueues.default();
  return list;
}
