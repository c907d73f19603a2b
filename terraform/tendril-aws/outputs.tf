output "cluster_arn" {
  description = "The ECS cluster the Tendrils run in (created here, or the one named)."
  value       = local.cluster_arn
}

output "cluster_name" {
  value = local.cluster_name
}

output "service_name" {
  value = aws_ecs_service.tendril.name
}

output "task_definition_arn" {
  value = aws_ecs_task_definition.tendril.arn
}

output "task_role_arn" {
  description = "The Tendrils' own credentials: exactly task_policy_json."
  value       = aws_iam_role.task.arn
}

output "execution_role_arn" {
  value = aws_iam_role.execution.arn
}

output "log_group_name" {
  description = "Where the Tendrils' own logs go (their jobs' logs are in Vintner)."
  value       = aws_cloudwatch_log_group.tendril.name
}

output "token_secret_arn" {
  description = "The secret holding the pool token (its ARN only)."
  value       = aws_secretsmanager_secret.token.arn
}

output "subnet_ids" {
  value = local.subnet_ids
}

output "security_group_ids" {
  value = local.security_group_ids
}
