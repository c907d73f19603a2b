# An existing ECS cluster, the customer's own subnets and security groups, and an image in ECR:
# nothing of theirs is created, the tasks get no public IP unless asked, and the execution role may
# pull from that one repository.
mock_provider "aws" {
  source = "./tests/mocks"
}

variables {
  pool_id            = "3f2a9c1b-0d4e-4a5b-8c6d-7e8f9a0b1c2d"
  pool_name          = "CI runners"
  name_prefix        = "tendril-ci-3f2a9c1b"
  region             = "eu-west-1"
  trellis_url        = "https://vintner.example.com:8443/"
  image              = "123456789012.dkr.ecr.eu-west-1.amazonaws.com/tools/vintner-tendril:0.1.0"
  tendril_token      = "vtp_TEST-ONLY-token-value-000000000000000000000000000"
  token_version      = 1700000000
  task_policy_json   = file("tests/aws-target-policy.json")
  cluster_arn        = "arn:aws:ecs:eu-west-1:123456789012:cluster/platform-tools"
  subnet_ids         = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  security_group_ids = ["sg-0a1b2c3d4e5f6ffff"]
}

run "their_cluster_subnets_and_groups" {
  command = apply

  assert {
    condition     = length(aws_ecs_cluster.tendril) == 0
    error_message = "no cluster is created when one is named"
  }
  assert {
    condition     = aws_ecs_service.tendril.cluster == var.cluster_arn && output.cluster_arn == var.cluster_arn && output.cluster_name == "platform-tools"
    error_message = "the service runs in the named cluster, and the outputs say which"
  }
  assert {
    condition = (one(aws_ecs_service.tendril.network_configuration).subnets == toset(["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"])
    && one(aws_ecs_service.tendril.network_configuration).security_groups == toset(["sg-0a1b2c3d4e5f6ffff"]))
    error_message = "the tasks run in the named subnets with the named groups"
  }
  assert {
    condition     = !one(aws_ecs_service.tendril.network_configuration).assign_public_ip
    error_message = "no public IP in subnets the customer names (their NAT or endpoints route the traffic)"
  }
  assert {
    condition     = length(data.aws_vpc.default) == 0 && length(data.aws_subnets.default) == 0 && length(data.aws_subnet.first) == 0 && length(aws_security_group.tendril) == 0 && length(aws_vpc_security_group_egress_rule.tendril) == 0
    error_message = "nothing of the network is read or created"
  }
}

run "the_execution_role_pulls_from_that_repository_only" {
  command = apply

  assert {
    condition = (
      [for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s if s.Sid == "PullTheTendrilImage"][0].Resource
      == ["arn:aws:ecr:eu-west-1:123456789012:repository/tools/vintner-tendril"]
    )
    error_message = "image pulls are allowed from the image's repository only"
  }
  assert {
    condition = (
      [for s in jsondecode(aws_iam_role_policy.execution.policy).Statement : s.Sid]
      == ["ReadThePoolToken", "WriteTheTendrilLogs", "EcrLogin", "PullTheTendrilImage"]
    )
    error_message = "the token, the logs, the ECR login and the pull: nothing else"
  }
}

run "their_subnets_with_a_group_of_its_own" {
  command = apply

  variables {
    security_group_ids = []
    assign_public_ip   = true
  }

  assert {
    condition     = length(aws_security_group.tendril) == 1 && aws_security_group.tendril[0].vpc_id == data.aws_subnet.first[0].vpc_id && data.aws_subnet.first[0].id == "subnet-0a1b2c3d4e5f60001"
    error_message = "the group of its own is made in the named subnets' VPC"
  }
  assert {
    condition     = toset(keys(aws_vpc_security_group_egress_rule.tendril)) == toset(["443", "8443"])
    error_message = "outbound 443 and Trellis's own port (8443 in its URL)"
  }
  assert {
    condition     = one(aws_ecs_service.tendril.network_configuration).assign_public_ip
    error_message = "assign_public_ip = true is honoured"
  }
}

run "arm64_smaller_and_scaled" {
  command = plan

  variables {
    cpu_architecture   = "ARM64"
    cpu                = 512
    memory             = 4096
    desired_count      = 3
    concurrency        = 1
    log_retention_days = 7
    environment        = { LOG_LEVEL = "debug", LOG_FORMAT = "pretty", TENDRIL_LOCATION = "overridden?" }
    tags               = { team = "platform", "managed-by" = "someone-else" }
  }

  assert {
    condition = (aws_ecs_task_definition.tendril.runtime_platform[0].cpu_architecture == "ARM64" && aws_ecs_task_definition.tendril.cpu == "512"
    && aws_ecs_task_definition.tendril.memory == "4096" && aws_ecs_service.tendril.desired_count == 3)
    error_message = "the sizes and the count asked for"
  }
  assert {
    condition = (
      { for e in jsondecode(aws_ecs_task_definition.tendril.container_definitions)[0].environment : e.name => e.value }
      == {
        TRELLIS_URL      = "https://vintner.example.com:8443/", TENDRIL_CONCURRENCY = "1", VINTNER_DATA_DIR = "/tmp/vintner", LOG_FORMAT = "pretty", LOG_LEVEL = "debug"
        TENDRIL_LOCATION = "AWS ECS platform-tools/tendril-ci-3f2a9c1b (eu-west-1)"
      }
    )
    error_message = "more settings join the environment and may change the defaults (LOG_FORMAT); the module's own (TENDRIL_LOCATION, the concurrency) win"
  }
  assert {
    condition     = aws_iam_role.task.tags["team"] == "platform" && aws_iam_role.task.tags["managed-by"] == "vintner-tendril"
    error_message = "more tags join; the module's own win"
  }
  assert {
    condition     = aws_cloudwatch_log_group.tendril.retention_in_days == 7
    error_message = "the retention asked for"
  }
}
