# Every kind at once, applied against mocked providers: each component's outputs carry exactly the
# contract's keys, secrets come from secret_values (sensitive) or are generated, and no output
# holds anything secret.
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
  mock_resource "aws_vpc" {
    defaults = { arn = "arn:aws:ec2:us-east-1:123456789012:vpc/vpc-0123" }
  }
  mock_resource "aws_eks_cluster" {
    defaults = {
      arn                   = "arn:aws:eks:us-east-1:123456789012:cluster/acme-shop-prod-k8s"
      endpoint              = "https://ABCDEF.gr7.us-east-1.eks.amazonaws.com"
      certificate_authority = [{ data = "Y2VydGlmaWNhdGU=" }]
      identity              = [{ oidc = [{ issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF" }] }]
    }
  }
  mock_resource "aws_db_instance" {
    defaults = {
      address               = "acme-shop-prod-db-main.abc.us-east-1.rds.amazonaws.com"
      endpoint              = "acme-shop-prod-db-main.abc.us-east-1.rds.amazonaws.com:5432"
      engine_version_actual = "16.4"
      master_user_secret    = [{ secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf", kms_key_id = "alias/aws/secretsmanager", secret_status = "active" }]
    }
  }
  mock_resource "aws_elasticache_replication_group" {
    defaults = { primary_endpoint_address = "master.acme-shop-prod-cache-sessions.abc.use1.cache.amazonaws.com" }
  }
  mock_resource "aws_elasticache_cluster" {
    defaults = {
      cluster_address        = "acme-shop-prod-cache-mc.abc.cfg.use1.cache.amazonaws.com"
      configuration_endpoint = "acme-shop-prod-cache-mc.abc.cfg.use1.cache.amazonaws.com:11211"
    }
  }
  mock_resource "aws_ecr_repository" {
    defaults = { repository_url = "123456789012.dkr.ecr.us-east-1.amazonaws.com/acme-shop-prod-cr-app" }
  }
}
mock_provider "helm" {}
mock_provider "random" {}
mock_provider "tls" {
  mock_data "tls_certificate" {
    defaults = { certificates = [{ sha1_fingerprint = "9e99a48a9960b14926bb7f3b02e22da2b0ab7280" }] }
  }
}

variables {
  vineyard    = "Acme"
  vine        = "Shop"
  region      = "us-east-1"
  name_prefix = "acme-shop-prod"
  stage       = "production"
  network = {
    name       = "network", resource_name = "acme-shop-prod-net"
    cidr_block = "10.0.0.0/16", az_count = 3, nat_gateway = "per_az", existing_network_id = null
  }
  cluster = {
    name               = "cluster", resource_name = "acme-shop-prod-k8s"
    kubernetes_version = "1.31", node_size = "large", node_min = 3, node_max = 10, argocd_enabled = true
  }
  dns = {
    name        = "dns", resource_name = "acme-shop-prod-dns"
    domain_name = "shop.example.com", private_zone = false, existing_zone_id = null
  }
  repositories = {
    name     = "repositories", resource_name = "acme-shop-prod-repo"
    repo_url = "https://github.com/example/deploy.git", branch = "main", path = "overlays/production", sync_policy = "manual"
  }
  databases = {
    main = {
      name   = "main", resource_name = "acme-shop-prod-db-main"
      engine = "postgres", engine_version = "16", size = "large", storage_gb = 100, high_availability = true, backup_retention_days = 30
    }
  }
  caches = {
    sessions = {
      name   = "sessions", resource_name = "acme-shop-prod-cache-sessions"
      engine = "redis", size = "large", node_count = 2, high_availability = true
    }
    mc = {
      name   = "mc", resource_name = "acme-shop-prod-cache-mc"
      engine = "memcached", size = "medium", node_count = 2, high_availability = true
    }
  }
  queues = {
    orders = {
      name = "orders", resource_name = "acme-shop-prod-queue-orders"
      fifo = false, visibility_timeout_seconds = 30, message_retention_seconds = 1209600, dead_letter = true
    }
    audit = {
      name = "audit", resource_name = "acme-shop-prod-queue-audit"
      fifo = false, visibility_timeout_seconds = 60, message_retention_seconds = 345600, dead_letter = false
    }
  }
  topics = {
    events = { name = "events", resource_name = "acme-shop-prod-topic-events", fifo = false, subscribe_queues = ["orders", "audit"] }
  }
  nosql_tables = {
    carts = {
      name          = "carts", resource_name = "acme-shop-prod-nosql-carts"
      partition_key = "pk", sort_key = "sk", billing_mode = "on_demand", ttl_attribute = "ttl", point_in_time_recovery = true
    }
  }
  container_registries = {
    app = { name = "app", resource_name = "acme-shop-prod-cr-app", immutable_tags = true, scan_on_push = true, keep_images = 200 }
  }
  secrets = {
    api-key = { name = "api-key", resource_name = "acme-shop-prod-secret-api-key", description = "API key", generate_length = 32, recovery_window_days = 30 }
    session = { name = "session", resource_name = "acme-shop-prod-secret-session", description = "", generate_length = 48, recovery_window_days = 30 }
  }
  secret_values = { api-key = "s3cr3t-from-the-user" }

  # The contract's keys per kind (terraform/CONTRACT.md, "Outputs"), copied here because a test
  # run may not see the contract; the run below also compares them with the contract's table
  # whenever ../CONTRACT.md is readable.
  contract_keys = {
    network              = ["id", "arn", "name", "cidr_block", "availability_zones", "private_subnets", "public_subnets", "nat_gateways"]
    cluster              = ["id", "arn", "name", "endpoint", "kubernetes_version", "node_instance_type", "node_min", "node_max", "oidc_issuer_url", "argocd_url"]
    dns                  = ["zone_id", "arn", "domain_name", "private_zone", "name_servers"]
    repositories         = ["argocd_application", "repo_url", "branch", "path", "sync_policy"]
    databases            = ["id", "arn", "host", "port", "endpoint", "reader_host", "engine", "engine_version", "instance_class", "storage_gb", "database_name", "username", "password_secret", "url"]
    caches               = ["id", "arn", "host", "port", "endpoint", "url", "engine", "node_type", "node_count"]
    queues               = ["name", "arn", "url", "fifo", "dead_letter_arn"]
    topics               = ["name", "arn", "subscriptions"]
    nosql_tables         = ["name", "arn", "endpoint", "partition_key", "sort_key", "billing_mode"]
    container_registries = ["name", "arn", "repository_url", "immutable_tags"]
    secrets              = ["name", "arn", "value_source"]
  }
  contract = try(file("../CONTRACT.md"), "")
}

run "every_component_has_exactly_the_contract_keys" {
  command = apply

  assert {
    condition = (jsonencode({
      network      = keys(output.network), cluster = keys(output.cluster), dns = keys(output.dns), repositories = keys(output.repositories),
      databases    = keys(output.databases), caches = sort(keys(output.caches)), queues = sort(keys(output.queues)), topics = keys(output.topics),
      nosql_tables = keys(output.nosql_tables), container_registries = keys(output.container_registries), secrets = sort(keys(output.secrets))
      }) == jsonencode({
      network      = ["network"], cluster = ["cluster"], dns = ["dns"], repositories = ["repositories"],
      databases    = ["main"], caches = ["mc", "sessions"], queues = ["audit", "orders"], topics = ["events"],
      nosql_tables = ["carts"], container_registries = ["app"], secrets = ["api-key", "session"]
    }))
    error_message = "each kind's output has one entry per component, keyed by its name"
  }
  assert {
    condition = alltrue(flatten([
      for kind, components in {
        network      = output.network, cluster = output.cluster, dns = output.dns, repositories = output.repositories,
        databases    = output.databases, caches = output.caches, queues = output.queues, topics = output.topics,
        nosql_tables = output.nosql_tables, container_registries = output.container_registries, secrets = output.secrets
      } : [for name, o in components : toset(keys(o)) == toset(var.contract_keys[kind])]
    ]))
    error_message = "each component's outputs have exactly its kind's contract keys"
  }
  assert {
    # Skipped (true) when the contract is not readable from the test's working directory.
    condition = var.contract == "" ? true : alltrue([
      for kind, ks in var.contract_keys : toset(flatten(regexall("`([a-z_]+)`", replace(
        regex("\\n\\| ${kind} \\| ([^\\n]*) \\|", split("## Outputs", var.contract)[1])[0],
        "/\\([^)]*\\)/", ""
      )))) == toset(ks)
    ])
    error_message = "the key lists here match terraform/CONTRACT.md's Outputs table"
  }
  assert {
    condition     = output.databases["main"].password_secret == "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf"
    error_message = "password_secret is the Secrets Manager ARN of the RDS-managed password"
  }
  assert {
    condition     = output.databases["main"].url == "postgres://vintner@acme-shop-prod-db-main.abc.us-east-1.rds.amazonaws.com:5432/main"
    error_message = "the database URL carries no password"
  }
  assert {
    condition     = output.caches["sessions"].url == "rediss://master.acme-shop-prod-cache-sessions.abc.use1.cache.amazonaws.com:6379" && output.caches["sessions"].node_count == 2
    error_message = "Redis is reached over TLS (rediss://)"
  }
  assert {
    condition     = output.caches["mc"].endpoint == "acme-shop-prod-cache-mc.abc.cfg.use1.cache.amazonaws.com:11211"
    error_message = "Memcached's endpoint is its configuration endpoint"
  }
  assert {
    condition     = output.network["network"].nat_gateways == 3 && length(output.network["network"].private_subnets) == 3 && length(output.network["network"].availability_zones) == 3
    error_message = "network outputs: subnets, zones and NAT gateways"
  }
  assert {
    condition     = output.cluster["cluster"].oidc_issuer_url == "https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF" && output.cluster["cluster"].node_instance_type == "m7i.xlarge"
    error_message = "cluster outputs: OIDC issuer and node type"
  }
  assert {
    condition     = length(output.topics["events"].subscriptions) == 2 && length(aws_sns_topic_subscription.topics__subscription) == 2
    error_message = "a topic subscribes each of its subscribe_queues"
  }
  assert {
    condition     = output.queues["orders"].dead_letter_arn == aws_sqs_queue.queues__dlq["orders"].arn && output.queues["audit"].dead_letter_arn == null
    error_message = "dead_letter_arn only with dead_letter"
  }
  assert {
    condition     = jsondecode(aws_sqs_queue.queues["orders"].redrive_policy).deadLetterTargetArn == aws_sqs_queue.queues__dlq["orders"].arn
    error_message = "the queue redrives to its dead-letter queue"
  }
  assert {
    condition     = aws_sqs_queue.queues["orders"].sqs_managed_sse_enabled && aws_sqs_queue.queues__dlq["orders"].sqs_managed_sse_enabled && aws_sns_topic.topics["events"].kms_master_key_id == "alias/aws/sns"
    error_message = "queues and topics are encrypted at rest"
  }
  assert {
    condition     = output.nosql_tables["carts"].endpoint == "https://dynamodb.us-east-1.amazonaws.com"
    error_message = "DynamoDB's regional endpoint"
  }
}

run "secrets_come_from_secret_values_and_stay_out_of_outputs" {
  command = apply

  assert {
    condition     = output.secrets["api-key"].value_source == "user" && output.secrets["session"].value_source == "generated"
    error_message = "value_source: user for a value in secret_values, generated otherwise"
  }
  assert {
    condition     = length(random_password.secrets__generated) == 1 && random_password.secrets__generated["session"].length == 48
    error_message = "only the secret without a value gets a generated one, of generate_length"
  }
  assert {
    # The user's value reaches Secrets Manager write-only: the version is a hash of that value.
    condition     = nonsensitive(aws_secretsmanager_secret_version.secrets["api-key"].secret_string_wo_version) == 1000 + parseint(substr(sha256("s3cr3t-from-the-user"), 0, 8), 16)
    error_message = "the user's secret is written from secret_values"
  }
  assert {
    condition     = issensitive(aws_secretsmanager_secret_version.secrets["api-key"].secret_string_wo_version) && issensitive(var.secret_values)
    error_message = "anything derived from secret_values is sensitive"
  }
  assert {
    condition     = aws_secretsmanager_secret_version.secrets["api-key"].secret_string_wo == null && aws_secretsmanager_secret_version.secrets["api-key"].secret_string == null
    error_message = "the secret value is write-only: not in the state"
  }
  assert {
    condition     = !issensitive(output.secrets) && !issensitive(output.databases) && !strcontains(jsonencode([output.network, output.cluster, output.dns, output.repositories, output.databases, output.caches, output.queues, output.topics, output.nosql_tables, output.container_registries, output.secrets]), "s3cr3t-from-the-user") && !strcontains(jsonencode([output.network, output.cluster, output.dns, output.repositories, output.databases, output.caches, output.queues, output.topics, output.nosql_tables, output.container_registries, output.secrets]), nonsensitive(random_password.secrets__generated["session"].result))
    error_message = "no output holds a secret value"
  }
  assert {
    condition     = output.secrets["api-key"].name == "vintner/acme-shop-prod-secret-api-key" && aws_secretsmanager_secret.secrets["api-key"].recovery_window_in_days == 30
    error_message = "secret names live under vintner/; recovery window as set"
  }
}
