# Two roles, both assumable only by ECS tasks of this account (the confused-deputy conditions AWS
# recommends):
# - the execution role, used by ECS itself to start a task: reads exactly the pool token's secret,
#   writes exactly the Tendrils' log group and, for an ECR image, pulls from that one repository;
# - the task role, the Tendril's own credentials: exactly `task_policy_json` (the aws target's
#   least-privilege policy), nothing else — so the pool's identities need no stored keys.
# Their names start with name_prefix, never `vintner-`: the target's policy manages `vintner-*`
# roles, and the Tendril must not be able to change its own.

locals {
  ecs_tasks_trust = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EcsTasksOfThisAccount"
      Effect    = "Allow"
      Principal = { Service = "ecs-tasks.amazonaws.com" }
      Action    = "sts:AssumeRole"
      Condition = {
        StringEquals = { "aws:SourceAccount" = local.account_id }
        ArnLike      = { "aws:SourceArn" = "arn:${local.partition}:ecs:${var.region}:${local.account_id}:*" }
      }
    }]
  })

  # `<account>.dkr.ecr.<region>.amazonaws.com/<repository>[:tag|@digest]`: the one repository the
  # execution role may pull from. Other registries need no AWS permission (public images).
  ecr                = try(regex("^(\\d{12})\\.dkr\\.ecr\\.([a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/([^:@]+)", var.image), null)
  ecr_repository_arn = local.ecr == null ? null : "arn:${local.partition}:ecr:${local.ecr[1]}:${local.ecr[0]}:repository/${local.ecr[2]}"

  execution_policy = jsonencode({
    Version = "2012-10-17"
    Statement = concat(
      [
        {
          Sid      = "ReadThePoolToken"
          Effect   = "Allow"
          Action   = ["secretsmanager:GetSecretValue"]
          Resource = [aws_secretsmanager_secret.token.arn]
        },
        {
          Sid      = "WriteTheTendrilLogs"
          Effect   = "Allow"
          Action   = ["logs:CreateLogStream", "logs:PutLogEvents"]
          Resource = ["${aws_cloudwatch_log_group.tendril.arn}:*"]
        },
      ],
      local.ecr == null ? [] : [
        {
          # ECR's authorization token has no resource: it opens nothing by itself.
          Sid      = "EcrLogin"
          Effect   = "Allow"
          Action   = ["ecr:GetAuthorizationToken"]
          Resource = ["*"]
        },
        {
          Sid      = "PullTheTendrilImage"
          Effect   = "Allow"
          Action   = ["ecr:BatchCheckLayerAvailability", "ecr:GetDownloadUrlForLayer", "ecr:BatchGetImage"]
          Resource = [local.ecr_repository_arn]
        },
      ],
    )
  })
}

resource "aws_iam_role" "execution" {
  name               = "${local.name}-execution"
  description        = "ECS starts the Vintner Tendrils of pool ${var.pool_id} with it: their token, their logs, their image"
  assume_role_policy = local.ecs_tasks_trust
  tags               = local.tags
}

resource "aws_iam_role_policy" "execution" {
  name   = "tendril-execution"
  role   = aws_iam_role.execution.id
  policy = local.execution_policy
}

resource "aws_iam_role" "task" {
  name               = "${local.name}-task"
  description        = "The Vintner Tendrils of pool ${var.pool_id}: exactly the aws target's permissions"
  assume_role_policy = local.ecs_tasks_trust
  tags               = local.tags
}

resource "aws_iam_role_policy" "task" {
  name   = "vintner-aws-target"
  role   = aws_iam_role.task.id
  policy = var.task_policy_json
}
