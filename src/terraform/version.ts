/** The Terraform binary's version: checked once when a Tendril starts, shown with every job. */
import { execa } from 'execa';

export class TerraformMissingError extends Error {
  override name = 'TerraformMissingError';
}

export async function terraformVersion(bin: string, signal?: AbortSignal): Promise<string> {
  try {
    const { stdout } = await execa(bin, ['version', '-json'], {
      timeout: 30_000,
      env: { CHECKPOINT_DISABLE: '1', TF_CLI_CONFIG_FILE: '/dev/null', PATH: process.env.PATH ?? '' },
      extendEnv: false,
      ...(signal ? { cancelSignal: signal } : {}),
    });
    return (JSON.parse(stdout) as { terraform_version: string }).terraform_version;
  } catch (err) {
    const e = err as { code?: string; shortMessage?: string };
    throw new TerraformMissingError(
      e.code === 'ENOENT' ? `terraform not found: install Terraform or set TERRAFORM_BIN (looked for "${bin}")` : `terraform version failed: ${e.shortMessage ?? String(err)}`,
    );
  }
}
