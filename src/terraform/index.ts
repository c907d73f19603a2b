/** The one place that runs Terraform. */
export { createTerraformRun, cliConfig, hclValue, sensitiveVarEnv, MODULES_DIR, type TerraformRun } from './run.js';
export { terraformVersion, TerraformMissingError } from './version.js';
export { createInitCache, type InitCache } from './init-cache.js';
export { TerraformError } from './errors.js';
export { parseJsonLine, mapAddressToComponent, renderDiagnostic, type ParsedLine } from './parse.js';
export { buildPlanSummary, classifyActions } from './summary.js';
export { createRedactor, REDACTED, type Redactor } from './redact.js';
export type {
  LogLine,
  ResourceEvent,
  ResourceAction,
  PlanSummary,
  ComponentChange,
  ChangeAction,
  Diagnostic,
  TerraformRunOptions,
  StateBackend,
} from './types.js';
export { createWorkDir, cleanLeftoverWorkDirs, ERRORED_STATE, type CleanedDir } from './workdir.js';
