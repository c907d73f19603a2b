# The pool token, in Secrets Manager only. It arrives as an ephemeral variable and is written with
# the write-only `secret_string_wo`: it is in neither the plan nor the state. ECS reads it with the
# execution role when a task starts and hands it to the Tendril as TENDRIL_TOKEN; the task
# definition holds only the secret's ARN and version.
resource "aws_secretsmanager_secret" "token" {
  name        = "${local.name}/pool-token"
  description = "The pool token of the Vintner Tendrils of pool ${var.pool_id} (TENDRIL_TOKEN)"
  # A destroyed pool's token is revoked in Vintner as well: nothing to recover, and the name is
  # free again at once for a later DEPLOY_WORKER.
  recovery_window_in_days = 0
  tags                    = local.tags
}

resource "aws_secretsmanager_secret_version" "token" {
  secret_id                = aws_secretsmanager_secret.token.id
  secret_string_wo         = var.tendril_token
  secret_string_wo_version = var.token_version

  lifecycle {
    precondition {
      # Destroy sends no token; anything that writes one must have one.
      condition     = var.tendril_token != null
      error_message = "tendril_token is required to write the pool token (TF_VAR_tendril_token)."
    }
  }
}

resource "aws_cloudwatch_log_group" "tendril" {
  name              = "/tendril/${local.name}"
  retention_in_days = var.log_retention_days
  tags              = local.tags
}
