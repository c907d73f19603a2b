# Settings the module refuses before AWS would (or where AWS would accept something unsafe).
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

run "memory_fargate_does_not_offer_for_the_cpu" {
  command = plan
  variables {
    cpu    = 256
    memory = 4096
  }
  expect_failures = [var.memory]
}

run "a_cpu_size_fargate_does_not_have" {
  command = plan
  variables {
    cpu = 1000
  }
  expect_failures = [var.cpu]
}

run "names_within_the_aws_target_policy_reach" {
  command = plan
  variables {
    name_prefix = "vintner-ci"
  }
  expect_failures = [var.name_prefix]
}

run "a_name_too_long_for_the_roles" {
  command = plan
  variables {
    name_prefix = "tendril-a-very-long-pool-name-indeed-3f2a9c1b"
  }
  expect_failures = [var.name_prefix]
}

run "not_a_url" {
  command = plan
  variables {
    trellis_url = "vintner.example.com"
  }
  expect_failures = [var.trellis_url]
}

run "not_a_cluster_arn" {
  command = plan
  variables {
    cluster_arn = "platform-tools"
  }
  expect_failures = [var.cluster_arn]
}

run "not_subnet_ids" {
  command = plan
  variables {
    subnet_ids = ["10.0.1.0/24"]
  }
  expect_failures = [var.subnet_ids]
}

run "a_database_url_for_an_in_account_tendril" {
  command = plan
  variables {
    environment = { DATABASE_URL = "postgres://vintner@db/vintner" }
  }
  expect_failures = [var.environment]
}
