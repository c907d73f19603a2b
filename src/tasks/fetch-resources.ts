/** FETCH_RESOURCES: see src/domain/jobs/handlers.ts for what it does. */
import { provisionTask, type TaskDeps } from './provision-task.js';

export const identifier = 'FETCH_RESOURCES';
export default (deps: TaskDeps) => provisionTask(deps);
