/** DESTROY: see src/domain/jobs/handlers.ts for what it does. */
import { provisionTask, type TaskDeps } from './provision-task.js';

export const identifier = 'DESTROY';
export default (deps: TaskDeps) => provisionTask(deps);
