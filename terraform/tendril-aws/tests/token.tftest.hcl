# The pool token is in Secrets Manager only: the task definition references the secret (its ARN and
# the version written), its plain environment never holds the token, and nothing it outputs does.
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

run "the_token_goes_to_secrets_manager_only" {
  command = apply

  assert {
    condition     = aws_secretsmanager_secret_version.token.secret_id == aws_secretsmanager_secret.token.id && aws_secretsmanager_secret_version.token.secret_string_wo_version == 1700000000
    error_message = "a version of the token's secret, numbered by token_version"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.token.secret_string_wo == null && aws_secretsmanager_secret_version.token.secret_string == null
    error_message = "write-only: the token is kept in neither the plan nor the state"
  }
  assert {
    condition = (
      jsondecode(aws_ecs_task_definition.tendril.container_definitions)[0].secrets
      == [{ name = "TENDRIL_TOKEN", valueFrom = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:tendril-ci-3f2a9c1b/pool-token-AbCdEf:::11111111-2222-3333-4444-555555555555" }]
    )
    error_message = "TENDRIL_TOKEN comes from that secret, at the version written"
  }
  assert {
    condition     = !contains([for e in jsondecode(aws_ecs_task_definition.tendril.container_definitions)[0].environment : e.name], "TENDRIL_TOKEN")
    error_message = "TENDRIL_TOKEN is not in the plain environment"
  }
  assert {
    condition     = !strcontains(aws_ecs_task_definition.tendril.container_definitions, "vtp_TEST-ONLY-token-value")
    error_message = "the token's value is nowhere in the task definition"
  }
  assert {
    condition = alltrue([for v in [output.cluster_arn, output.service_name, output.task_definition_arn, output.task_role_arn, output.execution_role_arn, output.log_group_name, output.token_secret_arn] :
    !strcontains(v, "vtp_TEST-ONLY-token-value")])
    error_message = "no output holds the token"
  }
}

run "the_token_cannot_be_slipped_into_the_environment" {
  command = plan

  variables {
    environment = { TENDRIL_TOKEN = "vtp_TEST-ONLY-token-value-000000000000000000000000000" }
  }
  expect_failures = [var.environment]
}

run "writing_the_secret_needs_a_token" {
  command = plan

  variables {
    tendril_token = null
  }
  expect_failures = [aws_secretsmanager_secret_version.token]
}
