/** PLAN: see src/domain/jobs/handlers.ts for what it does. */
import { provisionTask, type TaskDeps } from './provision-task.js';

export const identifier = 'PLAN';
export default (deps: TaskDeps) => provisionTask(deps);
