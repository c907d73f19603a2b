# A pool's Tendrils with nothing but the required settings: a cluster of their own, the default
# VPC's subnets with public IPs, a security group of their own (outbound only), the execution
# role's policy naming only the token's secret and the log group.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  pool_id          = "3f2a9c1b-0d4e-4a5b-8c6d-7e8f9a0b1c2d"
  pool_name        = "CI runners"
  name_prefix      = "tendril-ci-3f2a9c1b"
  region           = "eu-west-1"
  trellis_url      = "https://vintner.example.com"
  image            = "ghcr.io/example/vintner-tendril:0.1.0"
  tendril_token    = "vtp_TEST-ONLY-token-value-000000000000000000000000000"
  token_version    = 1700000000
  task_policy_json = file("tests/aws-target-policy.json")
}

run "a_cluster_of_their_own" {
  command = apply

  assert {
    condition     = length(aws_ecs_cluster.tendril) == 1 && aws_ecs_cluster.tendril[0].name == "tendril-ci-3f2a9c1b"
    error_message = "without cluster_arn the module creates a cluster named after the pool"
  }
  assert {
    condition     = aws_ecs_service.tendril.cluster == aws_ecs_cluster.tendril[0].arn && output.cluster_arn == aws_ecs_cluster.tendril[0].arn
    error_message = "the service runs in that cluster, and the output says so"
  }
  assert {
    condition     = one([for s in aws_ecs_cluster.tendril[0].setting : s.value if s.name == "containerInsights"]) == "disabled"
    error_message = "Container Insights stays off (it costs per metric)"
  }
}

run "fargate_service_and_task" {
  command = apply

  assert {
    condition = (aws_ecs_service.tendril.launch_type == "FARGATE" && aws_ecs_service.tendril.desired_count == 1
      && aws_ecs_service.tendril.task_definition == aws_ecs_task_definition.tendril.arn
    && aws_ecs_service.tendril.enable_execute_command == false)
    error_message = "one Fargate task of the task definition, no execute-command"
  }
  assert {
    condition = (aws_ecs_task_definition.tendril.cpu == "1024" && aws_ecs_task_definition.tendril.memory == "2048"
      && aws_ecs_task_definition.tendril.network_mode == "awsvpc"
    && aws_ecs_task_definition.tendril.runtime_platform[0].cpu_architecture == "X86_64")
    error_message = "1 vCPU, 2 GiB, awsvpc, x86_64 by default"
  }
  assert {
    condition     = aws_ecs_task_definition.tendril.execution_role_arn == aws_iam_role.execution.arn && aws_ecs_task_definition.tendril.task_role_arn == aws_iam_role.task.arn
    error_message = "the execution role starts the task, the task role is the Tendril's"
  }
  assert {
    condition     = one(aws_ecs_service.tendril.deployment_circuit_breaker).enable && one(aws_ecs_service.tendril.deployment_circuit_breaker).rollback && aws_ecs_service.tendril.wait_for_steady_state
    error_message = "a deployment whose tasks cannot start rolls back, and the apply waits for the tasks"
  }
  assert {
    condition = (jsondecode(aws_ecs_task_definition.tendril.container_definitions)[0].image == var.image
      && jsondecode(aws_ecs_task_definition.tendril.container_definitions)[0].readonlyRootFilesystem
    && jsondecode(aws_ecs_task_definition.tendril.container_definitions)[0].mountPoints[0].containerPath == "/tmp")
    error_message = "the image, a read-only root filesystem and a writable /tmp"
  }
  assert {
    condition = (
      { for e in jsondecode(aws_ecs_task_definition.tendril.container_definitions)[0].environment : e.name => e.value }
      == {
        TRELLIS_URL      = "https://vintner.example.com", TENDRIL_CONCURRENCY = "2", VINTNER_DATA_DIR = "/tmp/vintner", LOG_FORMAT = "json"
        TENDRIL_LOCATION = "AWS ECS tendril-ci-3f2a9c1b/tendril-ci-3f2a9c1b (eu-west-1)"
      }
    )
    error_message = "the plain environment is Trellis's URL and the plain settings, nothing else"
  }
  assert {
    condition     = jsondecode(aws_ecs_task_definition.tendril.container_definitions)[0].logConfiguration.options["awslogs-group"] == "/tendril/tendril-ci-3f2a9c1b"
    error_message = "the container logs to the Tendrils' log group"
  }
}

run "default_vpc_public_ip_and_an_outbound_only_group" {
  command = apply

  assert {
    condition     = length(data.aws_vpc.default) == 1 && data.aws_vpc.default[0].default
    error_message = "without subnet_ids the default VPC is read"
  }
  assert {
    condition     = toset(one(aws_ecs_service.tendril.network_configuration).subnets) == toset(["subnet-0aaa", "subnet-0bbb", "subnet-0ccc"])
    error_message = "the tasks run in the default VPC's default subnets"
  }
  assert {
    condition     = one(aws_ecs_service.tendril.network_configuration).assign_public_ip
    error_message = "in the default (public) subnets the tasks get public IPs: no NAT there"
  }
  assert {
    condition = (length(aws_security_group.tendril) == 1 && aws_security_group.tendril[0].vpc_id == "vpc-0default"
    && toset(one(aws_ecs_service.tendril.network_configuration).security_groups) == toset(["sg-0own"]))
    error_message = "a security group of their own, in that VPC"
  }
  assert {
    condition     = keys(aws_vpc_security_group_egress_rule.tendril) == ["443"] && aws_vpc_security_group_egress_rule.tendril["443"].ip_protocol == "tcp"
    error_message = "outbound TCP 443 only (Trellis is on 443 here)"
  }
  assert {
    condition     = length(aws_security_group.tendril[0].ingress) == 0
    error_message = "no inbound rule: a Tendril only calls out"
  }
}

run "execution_role_reads_only_its_secret_and_writes_only_its_logs" {
  command = apply

  assert {
    condition = (
      jsondecode(aws_iam_role_policy.execution.policy).Statement == [
        { Sid = "ReadThePoolToken", Effect = "Allow", Action = ["secretsmanager:GetSecretValue"], Resource = [aws_secretsmanager_secret.token.arn] },
        { Sid = "WriteTheTendrilLogs", Effect = "Allow", Action = ["logs:CreateLogStream", "logs:PutLogEvents"], Resource = ["arn:aws:logs:eu-west-1:123456789012:log-group:/tendril/tendril-ci-3f2a9c1b:*"] },
      ]
    )
    error_message = "the execution role's whole policy: that secret, that log group (no ECR: the image is not in ECR)"
  }
  assert {
    condition     = aws_iam_role_policy.execution.role == aws_iam_role.execution.id
    error_message = "attached to the execution role"
  }
  assert {
    condition = alltrue([for r in [aws_iam_role.execution, aws_iam_role.task] :
      jsondecode(r.assume_role_policy).Statement[0].Principal.Service == "ecs-tasks.amazonaws.com"
      && jsondecode(r.assume_role_policy).Statement[0].Condition.StringEquals["aws:SourceAccount"] == "123456789012"
    ])
    error_message = "both roles trust ECS tasks of this account only"
  }
}

run "names_and_tags" {
  command = apply

  assert {
    condition = (aws_iam_role.execution.name == "tendril-ci-3f2a9c1b-execution" && aws_iam_role.task.name == "tendril-ci-3f2a9c1b-task"
      && aws_secretsmanager_secret.token.name == "tendril-ci-3f2a9c1b/pool-token"
      && aws_cloudwatch_log_group.tendril.name == "/tendril/tendril-ci-3f2a9c1b"
    && aws_ecs_service.tendril.name == "tendril-ci-3f2a9c1b" && aws_ecs_task_definition.tendril.family == "tendril-ci-3f2a9c1b")
    error_message = "every name starts with name_prefix, outside the aws target policy's vintner-* reach"
  }
  assert {
    condition = alltrue([for tags in [aws_ecs_cluster.tendril[0].tags, aws_ecs_service.tendril.tags, aws_ecs_task_definition.tendril.tags,
      aws_iam_role.execution.tags, aws_iam_role.task.tags, aws_secretsmanager_secret.token.tags, aws_cloudwatch_log_group.tendril.tags, aws_security_group.tendril[0].tags] :
      tags["managed-by"] == "vintner-tendril" && tags["vintner-pool-id"] == var.pool_id && tags["vintner-pool"] == "CI runners"
    ])
    error_message = "everything is tagged with the pool"
  }
  assert {
    condition     = aws_cloudwatch_log_group.tendril.retention_in_days == 30 && aws_secretsmanager_secret.token.recovery_window_in_days == 0
    error_message = "logs kept 30 days; the token's secret goes at once on destroy (its name free for a redeploy)"
  }
  assert {
    condition     = output.log_group_name == "/tendril/tendril-ci-3f2a9c1b" && output.task_role_arn == aws_iam_role.task.arn && output.service_name == "tendril-ci-3f2a9c1b"
    error_message = "the outputs name the log group, the task role and the service"
  }
}
