# The task role — the Tendril's own credentials — holds exactly the aws target's policy, as its one
# inline policy; the execution role holds none of it.
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

run "the_task_role_holds_exactly_the_aws_target_policy" {
  command = apply

  assert {
    condition     = aws_iam_role_policy.task.role == aws_iam_role.task.id && aws_iam_role_policy.task.policy == file("tests/aws-target-policy.json")
    error_message = "the task role's inline policy is the document given, unchanged"
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.task.policy) == jsondecode(file("tests/aws-target-policy.json"))
    error_message = "the same statements, nothing added"
  }
  assert {
    condition     = aws_ecs_task_definition.tendril.task_role_arn == aws_iam_role.task.arn && output.task_role_arn == aws_iam_role.task.arn
    error_message = "the task runs with that role"
  }
  assert {
    condition     = !strcontains(aws_iam_role_policy.execution.policy, "eks:") && !strcontains(aws_iam_role_policy.execution.policy, "iam:")
    error_message = "the execution role (ECS's, not the Tendril's) gets none of the target's permissions"
  }
  assert {
    condition     = !startswith(aws_iam_role.task.name, "vintner-") && !startswith(aws_iam_role.execution.name, "vintner-") && !startswith(aws_secretsmanager_secret.token.name, "vintner/")
    error_message = "the Tendril's own roles and secret lie outside what the target's policy may change"
  }
}

run "a_policy_too_large_for_a_role_is_refused" {
  command = plan

  variables {
    task_policy_json = jsonencode({
      Version   = "2012-10-17"
      Statement = [for i in range(120) : { Sid = "S${i}", Effect = "Allow", Action = ["s3:GetObject"], Resource = ["arn:aws:s3:::bucket-${i}/*"] }]
    })
  }
  expect_failures = [var.task_policy_json]
}

run "a_document_without_statements_is_refused" {
  command = plan

  variables {
    task_policy_json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}"
  }
  expect_failures = [var.task_policy_json]
}
