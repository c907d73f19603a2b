# Names stay within AWS limits for a long resource_name and for one that is not DNS-safe (a
# unicode-derived prefix reaching the module unsanitised).
mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  # Realistic identifiers where the provider validates the argument that receives them.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/vintner-mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:mock" }
  }
  mock_resource "aws_launch_template" {
    defaults = { id = "lt-0123456789abcdef0", latest_version = 1 }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:mock", url = "https://sqs.us-east-1.amazonaws.com/123456789012/mock" }
  }
}
mock_provider "helm" {}
mock_provider "random" {}
mock_provider "tls" {}

variables {
  vineyard    = "Ünïcödé Vineyard — 日本語 & <friends>"
  vine        = "Shop"
  region      = "us-east-1"
  name_prefix = "unicode-vineyard-x-dev"
  stage       = "development"
  # 63 characters each: the contract's maximum.
  network = {
    name       = "network", resource_name = "a23456789-123456789-123456789-123456789-123456789-1234567-net"
    cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = null
  }
  cluster = {
    name               = "cluster", resource_name = "a23456789-123456789-123456789-123456789-123456789-12345678-k8s"
    kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = true
  }
  repositories = {
    name     = "repositories", resource_name = "a23456789-123456789-123456789-123456789-123456789-1234567-repo"
    repo_url = "https://github.com/example/deploy.git", branch = "main", path = "apps", sync_policy = "manual"
  }
  databases = {
    long-database-name-with-forty-characters = {
      name   = "long-database-name-with-forty-characters", resource_name = "a23456789-123456789-123456789-123456789-123456789-1234567-db-l"
      engine = "mysql", engine_version = "8.0", size = "small", storage_gb = 10, high_availability = false, backup_retention_days = 1
    }
  }
  caches = {
    c = {
      name   = "c", resource_name = "a23456789-123456789-123456789-123456789-123456789-12345-cache-c"
      engine = "valkey", size = "small", node_count = 1, high_availability = false
    }
    m = {
      name   = "m", resource_name = "a23456789-123456789-123456789-123456789-123456789-12345-cache-m"
      engine = "memcached", size = "small", node_count = 2, high_availability = true
    }
  }
  queues = {
    q = {
      name = "q", resource_name = "a23456789-123456789-123456789-123456789-123456789-123456-queue-q"
      fifo = true, visibility_timeout_seconds = 30, message_retention_seconds = 345600, dead_letter = true
    }
  }
  topics = {
    t = { name = "t", resource_name = "a23456789-123456789-123456789-123456789-123456789-123456-topic-t", fifo = true, subscribe_queues = ["q"] }
  }
  secrets = {
    s = { name = "s", resource_name = "a23456789-123456789-123456789-123456789-123456789-12345-secret-s", description = "", generate_length = 16, recovery_window_days = 3 }
  }
}

run "long_names_fit" {
  command = plan

  assert {
    condition     = length(aws_elasticache_replication_group.caches["c"].replication_group_id) <= 40 && length(aws_elasticache_cluster.caches["m"].cluster_id) <= 40
    error_message = "ElastiCache ids: 40 characters at most"
  }
  assert {
    condition     = length(aws_iam_role.cluster["cluster"].name) <= 64 && length(aws_iam_role.cluster__node["cluster"].name) <= 64 && startswith(aws_iam_role.cluster["cluster"].name, "vintner-") && startswith(aws_iam_role.cluster__node["cluster"].name, "vintner-")
    error_message = "IAM role names: 64 characters at most, starting with vintner- (the permissions' scope)"
  }
  assert {
    condition     = length(aws_eks_node_group.cluster__nodes["cluster"].node_group_name) <= 63 && length(aws_eks_cluster.cluster["cluster"].name) <= 100 && length(aws_launch_template.cluster__nodes["cluster"].name_prefix) <= 99
    error_message = "EKS names within their limits"
  }
  assert {
    condition     = length(aws_db_instance.databases["long-database-name-with-forty-characters"].identifier) <= 63 && length(aws_db_parameter_group.databases["long-database-name-with-forty-characters"].name_prefix) <= 229
    error_message = "RDS identifier: 63 characters at most"
  }
  assert {
    condition     = aws_db_instance.databases["long-database-name-with-forty-characters"].db_name == "long_database_name_with_forty_characters"
    error_message = "database names: letters, digits and underscores"
  }
  assert {
    condition     = aws_db_instance.databases["long-database-name-with-forty-characters"].allocated_storage == 20
    error_message = "RDS storage is 20 GiB at least"
  }
  assert {
    condition     = length(aws_sqs_queue.queues["q"].name) <= 80 && length(aws_sqs_queue.queues__dlq["q"].name) <= 80 && endswith(aws_sqs_queue.queues__dlq["q"].name, "-dlq.fifo") && endswith(aws_sqs_queue.queues["q"].name, ".fifo")
    error_message = "SQS names: 80 characters at most, .fifo last"
  }
  assert {
    condition     = endswith(aws_sns_topic.topics["t"].name, ".fifo") && length(aws_sns_topic.topics["t"].name) <= 256
    error_message = "SNS FIFO topic names end in .fifo"
  }
  assert {
    condition     = length(helm_release.repositories["repositories"].name) <= 53 && length(helm_release.cluster__argocd["cluster"].name) <= 53
    error_message = "Helm release names: 53 characters at most"
  }
  assert {
    condition     = aws_secretsmanager_secret.secrets["s"].recovery_window_in_days == 7
    error_message = "a recovery window of 1–6 days becomes Secrets Manager's minimum, 7"
  }
  assert {
    condition = alltrue([for n in [
      aws_elasticache_replication_group.caches["c"].replication_group_id,
      aws_elasticache_cluster.caches["m"].cluster_id,
      aws_db_instance.databases["long-database-name-with-forty-characters"].identifier,
      aws_eks_node_group.cluster__nodes["cluster"].node_group_name,
      aws_iam_role.cluster["cluster"].name,
      helm_release.repositories["repositories"].name,
    ] : can(regex("^[a-z][a-z0-9-]*[a-z0-9]$", n)) && !strcontains(n, "--")])
    error_message = "cut names start with a letter, use single hyphens and end with a letter or digit"
  }
  assert {
    condition     = aws_elasticache_replication_group.caches["c"].replication_group_id != aws_elasticache_cluster.caches["m"].cluster_id
    error_message = "names cut to the same length stay distinct (a hash of the whole name ends them)"
  }
  assert {
    condition     = aws_elasticache_cluster.caches["m"].az_mode == "cross-az" && aws_elasticache_cluster.caches["m"].transit_encryption_enabled
    error_message = "an HA Memcached spreads its nodes over zones, encrypted in transit"
  }
}

run "tags_are_sanitised" {
  command = plan

  assert {
    condition     = local.tags == { vineyard = "Ünïcödé Vineyard _ 日本語 _ _friends_", vine = "Shop", stage = "development", "managed-by" = "vintner" }
    error_message = "tag values keep letters of any script, digits, spaces and _ . : / = + - @; the rest becomes _"
  }
}

run "unsafe_names_are_sanitised" {
  command = plan

  variables {
    network      = null
    cluster      = null
    repositories = null
    databases    = {}
    caches       = {}
    topics       = {}
    queues = {
      q = {
        name = "q", resource_name = "Café-Ünïcödé--日本語-queue"
        fifo = false, visibility_timeout_seconds = 30, message_retention_seconds = 345600, dead_letter = false
      }
    }
    secrets = {
      s = { name = "s", resource_name = "日本語", description = "", generate_length = 16, recovery_window_days = 0 }
    }
  }

  assert {
    condition     = can(regex("^[a-z][a-z0-9-]*-[0-9a-f]{4}$", aws_sqs_queue.queues["q"].name)) && !strcontains(aws_sqs_queue.queues["q"].name, "--")
    error_message = "a name with characters AWS refuses is made DNS-safe and keeps a hash of the original"
  }
  assert {
    condition     = can(regex("^vintner/v-[0-9a-f]{4}$", aws_secretsmanager_secret.secrets["s"].name))
    error_message = "a name with nothing DNS-safe left is v-<hash>"
  }
  assert {
    condition     = aws_secretsmanager_secret.secrets["s"].recovery_window_in_days == 0
    error_message = "recovery_window_days = 0 deletes at once"
  }
}
