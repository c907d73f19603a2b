# The Tendrils: a Fargate service of `desired_count` tasks of the Tendril image, in a cluster of
# its own or the one named. Each task claims the pool's jobs from Trellis over outbound HTTPS.

resource "aws_ecs_cluster" "tendril" {
  count = var.cluster_arn == null ? 1 : 0
  name  = local.name

  # Container Insights costs per metric; the Tendrils' logs are in their log group.
  setting {
    name  = "containerInsights"
    value = "disabled"
  }
  tags = local.tags
}

locals {
  cluster_arn  = var.cluster_arn == null ? aws_ecs_cluster.tendril[0].arn : var.cluster_arn
  cluster_name = var.cluster_arn == null ? aws_ecs_cluster.tendril[0].name : element(split("/", var.cluster_arn), 1)

  # Plain settings only. The token is a `secrets` entry: ECS fetches that version of the secret
  # with the execution role and sets TENDRIL_TOKEN in the container, nowhere else.
  environment = merge(
    {
      # /tmp is the one writable place (below): Terraform's work directories, tsx's cache.
      VINTNER_DATA_DIR = "/tmp/vintner"
      LOG_FORMAT       = "json"
    },
    var.environment,
    {
      TRELLIS_URL         = var.trellis_url
      TENDRIL_CONCURRENCY = tostring(var.concurrency)
      # Where the Tendrils run, as the Tendrils page shows it.
      TENDRIL_LOCATION = "AWS ECS ${local.cluster_name}/${local.name} (${var.region})"
    },
  )

  container = {
    name        = "tendril"
    image       = var.image
    essential   = true
    environment = [for k in sort(keys(local.environment)) : { name = k, value = local.environment[k] }]
    secrets = [{
      name      = "TENDRIL_TOKEN"
      valueFrom = "${aws_secretsmanager_secret.token.arn}:::${aws_secretsmanager_secret_version.token.version_id}"
    }]
    readonlyRootFilesystem = true
    mountPoints            = [{ sourceVolume = "tmp", containerPath = "/tmp", readOnly = false }]
    # An init process as PID 1 passes SIGTERM on and reaps Terraform's children.
    linuxParameters = { initProcessEnabled = true }
    # On a scale-in or a new deployment: SIGTERM, then this long for a running Terraform to stop
    # cleanly and save its state (Fargate's maximum).
    stopTimeout = 120
    logConfiguration = {
      logDriver = "awslogs"
      options = {
        awslogs-group         = aws_cloudwatch_log_group.tendril.name
        awslogs-region        = var.region
        awslogs-stream-prefix = "tendril"
      }
    }
  }
}

resource "aws_ecs_task_definition" "tendril" {
  family                   = local.name
  requires_compatibilities = ["FARGATE"]
  network_mode             = "awsvpc"
  cpu                      = tostring(var.cpu)
  memory                   = tostring(var.memory)
  execution_role_arn       = aws_iam_role.execution.arn
  task_role_arn            = aws_iam_role.task.arn
  container_definitions    = jsonencode([local.container])

  runtime_platform {
    operating_system_family = "LINUX"
    cpu_architecture        = var.cpu_architecture
  }

  # The task's own scratch space (its ephemeral storage), mounted at /tmp: the root filesystem is
  # read-only.
  volume {
    name = "tmp"
  }

  tags = local.tags
}

resource "aws_ecs_service" "tendril" {
  name             = local.name
  cluster          = local.cluster_arn
  task_definition  = aws_ecs_task_definition.tendril.arn
  desired_count    = var.desired_count
  launch_type      = "FARGATE"
  platform_version = "LATEST"
  propagate_tags   = "SERVICE"
  # No `ecs execute-command` into a process that holds cloud credentials.
  enable_execute_command = false

  # A new revision (a new token, image or size) starts new tasks before stopping the old ones;
  # tasks that cannot start roll the deployment back, and with wait_for_steady_state the job fails.
  deployment_minimum_healthy_percent = 100
  deployment_maximum_percent         = 200
  deployment_circuit_breaker {
    enable   = true
    rollback = true
  }
  wait_for_steady_state = var.wait_for_steady_state

  network_configuration {
    subnets          = local.subnet_ids
    security_groups  = local.security_group_ids
    assign_public_ip = local.public_ip
  }

  tags = local.tags

  lifecycle {
    precondition {
      condition     = length(local.subnet_ids) > 0
      error_message = "No subnets: the account's default VPC has no default subnets in this region; name subnet_ids."
    }
  }
}
