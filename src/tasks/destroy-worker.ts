/** DESTROY_WORKER: see src/domain/jobs/handlers.ts for what it does. */
import { provisionTask, type TaskDeps } from './provision-task.js';

export const identifier = 'DESTROY_WORKER';
export default (deps: TaskDeps) => provisionTask(deps);
