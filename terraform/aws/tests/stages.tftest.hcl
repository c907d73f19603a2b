# Development vs production: the same vine shape with each stage's catalogue defaults
# (src/domain/components/catalogue.ts + STAGE_PROFILE). Plan only, against mocked providers.
mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c", "us-east-1d", "us-east-1e", "us-east-1f"] }
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
  mock_resource "aws_eks_cluster" {
    defaults = {
      endpoint              = "https://ABCDEF.gr7.us-east-1.eks.amazonaws.com"
      certificate_authority = [{ data = "Y2VydGlmaWNhdGU=" }]
      identity              = [{ oidc = [{ issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/ABCDEF" }] }]
    }
  }
  mock_resource "aws_db_instance" {
    defaults = {
      master_user_secret = [{ secret_arn = "arn:aws:secretsmanager:us-east-1:123456789012:secret:rds!db-1-AbCdEf", kms_key_id = "alias/aws/secretsmanager", secret_status = "active" }]
    }
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
  name_prefix = "acme-shop-dev"
  stage       = "development"
  network = {
    name       = "network", resource_name = "acme-shop-dev-net"
    cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = null
  }
  cluster = {
    name               = "cluster", resource_name = "acme-shop-dev-k8s"
    kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = true
  }
  databases = {
    main = {
      name              = "main", resource_name = "acme-shop-dev-db-main"
      engine            = "postgres", engine_version = "16", size = "small", storage_gb = 20
      high_availability = false, backup_retention_days = 1
    }
  }
  caches = {
    sessions = {
      name   = "sessions", resource_name = "acme-shop-dev-cache-sessions"
      engine = "redis", size = "small", node_count = 1, high_availability = false
    }
  }
  nosql_tables = {
    events = {
      name          = "events", resource_name = "acme-shop-dev-nosql-events"
      partition_key = "pk", sort_key = null, billing_mode = "on_demand", ttl_attribute = null, point_in_time_recovery = false
    }
  }
  container_registries = {
    app = { name = "app", resource_name = "acme-shop-dev-cr-app", immutable_tags = false, scan_on_push = true, keep_images = 30 }
  }
}

run "development_is_small_single_zone_and_disposable" {
  command = plan

  assert {
    condition     = aws_db_instance.databases["main"].instance_class == "db.t4g.micro"
    error_message = "a small development database is db.t4g.micro"
  }
  assert {
    condition     = !aws_db_instance.databases["main"].multi_az
    error_message = "development database is single-AZ"
  }
  assert {
    condition     = !aws_db_instance.databases["main"].deletion_protection && aws_db_instance.databases["main"].skip_final_snapshot
    error_message = "development database: no deletion protection, no final snapshot"
  }
  assert {
    condition     = aws_db_instance.databases["main"].final_snapshot_identifier == null
    error_message = "development database names no final snapshot"
  }
  assert {
    condition     = aws_db_instance.databases["main"].backup_retention_period == 1
    error_message = "backup retention follows backup_retention_days"
  }
  assert {
    condition     = aws_db_instance.databases["main"].storage_encrypted && aws_db_instance.databases["main"].manage_master_user_password && !aws_db_instance.databases["main"].publicly_accessible
    error_message = "databases are encrypted, private, with an RDS-managed password"
  }
  assert {
    condition     = length(aws_nat_gateway.network__nat) == 1 && length(aws_eip.network__nat) == 1
    error_message = "nat_gateway = single: one NAT gateway"
  }
  assert {
    condition     = length(aws_subnet.network__public) == 1 && length(aws_subnet.network__private) == 2
    error_message = "az_count 1: one public subnet; private subnets in two zones (RDS and EKS need two)"
  }
  assert {
    condition     = length(aws_route.network__private_nat) == 2 && length(aws_route_table.network__private) == 2
    error_message = "both private subnets route through the one NAT gateway"
  }
  assert {
    condition     = tolist(aws_eks_node_group.cluster__nodes["cluster"].instance_types) == tolist(["t3.medium"])
    error_message = "small nodes are t3.medium"
  }
  assert {
    condition     = length(aws_eks_node_group.cluster__nodes["cluster"].subnet_ids) == 1
    error_message = "development nodes run in one zone"
  }
  assert {
    condition     = !aws_eks_cluster.cluster["cluster"].deletion_protection
    error_message = "development cluster has no deletion protection"
  }
  assert {
    condition     = aws_elasticache_replication_group.caches["sessions"].node_type == "cache.t4g.micro" && aws_elasticache_replication_group.caches["sessions"].num_cache_clusters == 1
    error_message = "a small development cache is one cache.t4g.micro"
  }
  assert {
    condition     = !aws_elasticache_replication_group.caches["sessions"].automatic_failover_enabled && !aws_elasticache_replication_group.caches["sessions"].multi_az_enabled
    error_message = "development cache: no failover"
  }
  assert {
    condition     = aws_elasticache_replication_group.caches["sessions"].transit_encryption_enabled && aws_elasticache_replication_group.caches["sessions"].at_rest_encryption_enabled == "true"
    error_message = "caches are encrypted in transit and at rest"
  }
  assert {
    condition     = aws_elasticache_replication_group.caches["sessions"].snapshot_retention_limit == 0
    error_message = "development caches keep no snapshots"
  }
  assert {
    condition     = !aws_dynamodb_table.nosql_tables["events"].deletion_protection_enabled && aws_dynamodb_table.nosql_tables["events"].billing_mode == "PAY_PER_REQUEST"
    error_message = "development table: on demand, no deletion protection"
  }
  assert {
    condition     = aws_ecr_repository.container_registries["app"].force_delete && aws_ecr_repository.container_registries["app"].image_tag_mutability == "MUTABLE"
    error_message = "development registry: destroy deletes its images; mutable tags as set"
  }
  assert {
    condition     = aws_cloudwatch_log_group.cluster["cluster"].retention_in_days == 7
    error_message = "development keeps control-plane logs a week"
  }
  assert {
    condition     = length(aws_flow_log.network) == 0 && length(aws_iam_role.network__flow_logs) == 0
    error_message = "development: no VPC flow logs"
  }
  assert {
    condition = (
      aws_launch_template.cluster__nodes["cluster"].metadata_options[0].http_tokens == "required"
      && aws_launch_template.cluster__nodes["cluster"].metadata_options[0].http_put_response_hop_limit == 1
      && aws_launch_template.cluster__nodes["cluster"].block_device_mappings[0].ebs[0].encrypted == "true"
    )
    error_message = "nodes: IMDSv2 only, hop limit 1, encrypted root volume"
  }
}

run "production_is_ha_protected_and_per_zone" {
  # Applied against the mocks: route targets and subnet ids are known only then.
  command = apply

  variables {
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
    databases = {
      main = {
        name              = "main", resource_name = "acme-shop-prod-db-main"
        engine            = "postgres", engine_version = "16", size = "large", storage_gb = 100
        high_availability = true, backup_retention_days = 30
      }
    }
    caches = {
      sessions = {
        name   = "sessions", resource_name = "acme-shop-prod-cache-sessions"
        engine = "redis", size = "large", node_count = 2, high_availability = true
      }
    }
    nosql_tables = {
      events = {
        name          = "events", resource_name = "acme-shop-prod-nosql-events"
        partition_key = "pk", sort_key = "sk", billing_mode = "provisioned", ttl_attribute = "expires_at", point_in_time_recovery = true
      }
    }
    container_registries = {
      app = { name = "app", resource_name = "acme-shop-prod-cr-app", immutable_tags = true, scan_on_push = true, keep_images = 200 }
    }
  }

  assert {
    condition     = aws_db_instance.databases["main"].instance_class == "db.m7g.large"
    error_message = "a large database is db.m7g.large"
  }
  assert {
    condition     = aws_db_instance.databases["main"].multi_az
    error_message = "high_availability: Multi-AZ"
  }
  assert {
    condition     = aws_db_instance.databases["main"].deletion_protection && !aws_db_instance.databases["main"].skip_final_snapshot
    error_message = "production database: deletion protection and a final snapshot"
  }
  assert {
    condition     = aws_db_instance.databases["main"].final_snapshot_identifier == "acme-shop-prod-db-main-final"
    error_message = "production database names its final snapshot"
  }
  assert {
    condition     = aws_db_instance.databases["main"].backup_retention_period == 30 && aws_db_instance.databases["main"].allocated_storage == 100
    error_message = "backup retention and storage follow the settings"
  }
  assert {
    condition     = length(aws_nat_gateway.network__nat) == 3 && length(aws_subnet.network__public) == 3 && length(aws_subnet.network__private) == 3
    error_message = "per_az with az_count 3: three NAT gateways, three public and three private subnets"
  }
  assert {
    condition = alltrue([
      for i in range(3) : aws_route.network__private_nat["network/${i}"].nat_gateway_id == aws_nat_gateway.network__nat["network/${i}"].id
    ])
    error_message = "each zone's private subnet routes through its own zone's NAT gateway"
  }
  assert {
    condition     = tolist(aws_eks_node_group.cluster__nodes["cluster"].instance_types) == tolist(["m7i.xlarge"]) && length(aws_eks_node_group.cluster__nodes["cluster"].subnet_ids) == 3
    error_message = "large nodes are m7i.xlarge, in three zones"
  }
  assert {
    condition     = aws_eks_node_group.cluster__nodes["cluster"].scaling_config[0].min_size == 3 && aws_eks_node_group.cluster__nodes["cluster"].scaling_config[0].max_size == 10
    error_message = "node_min / node_max are the node group's bounds"
  }
  assert {
    condition     = aws_eks_cluster.cluster["cluster"].deletion_protection
    error_message = "production cluster has deletion protection"
  }
  assert {
    condition     = aws_elasticache_replication_group.caches["sessions"].node_type == "cache.m7g.large" && aws_elasticache_replication_group.caches["sessions"].num_cache_clusters == 2
    error_message = "a large HA cache is two cache.m7g.large"
  }
  assert {
    condition     = aws_elasticache_replication_group.caches["sessions"].automatic_failover_enabled && aws_elasticache_replication_group.caches["sessions"].multi_az_enabled
    error_message = "HA cache fails over across zones"
  }
  assert {
    condition     = aws_elasticache_replication_group.caches["sessions"].snapshot_retention_limit == 7
    error_message = "production caches keep a week of snapshots"
  }
  assert {
    condition     = aws_dynamodb_table.nosql_tables["events"].deletion_protection_enabled && aws_dynamodb_table.nosql_tables["events"].billing_mode == "PROVISIONED"
    error_message = "production table: deletion protection; provisioned as set"
  }
  assert {
    condition     = aws_dynamodb_table.nosql_tables["events"].point_in_time_recovery[0].enabled && aws_dynamodb_table.nosql_tables["events"].ttl[0].attribute_name == "expires_at" && aws_dynamodb_table.nosql_tables["events"].range_key == "sk"
    error_message = "PITR, TTL and the sort key follow the settings"
  }
  assert {
    condition     = !aws_ecr_repository.container_registries["app"].force_delete && aws_ecr_repository.container_registries["app"].image_tag_mutability == "IMMUTABLE"
    error_message = "production registry keeps its images on destroy; immutable tags"
  }
  assert {
    condition     = jsondecode(aws_ecr_lifecycle_policy.container_registries["app"].policy).rules[0].selection.countNumber == 200
    error_message = "the lifecycle policy keeps keep_images images"
  }
  assert {
    condition     = aws_flow_log.network["network"].traffic_type == "ALL" && aws_flow_log.network["network"].log_destination == aws_cloudwatch_log_group.network__flow_logs["network"].arn
    error_message = "production: VPC flow logs of all traffic into CloudWatch Logs"
  }
  assert {
    condition     = aws_cloudwatch_log_group.network__flow_logs["network"].retention_in_days == 90 && aws_cloudwatch_log_group.cluster["cluster"].retention_in_days == 90
    error_message = "production keeps logs 90 days"
  }
  assert {
    condition     = aws_eks_node_group.cluster__nodes["cluster"].launch_template[0].id == aws_launch_template.cluster__nodes["cluster"].id
    error_message = "the node group launches from the hardened launch template"
  }
}

run "nat_none_creates_no_nat" {
  command = plan

  variables {
    network = {
      name       = "network", resource_name = "acme-shop-dev-net"
      cidr_block = "10.0.0.0/16", az_count = 2, nat_gateway = "none", existing_network_id = null
    }
    cluster = null
  }

  assert {
    condition     = length(aws_nat_gateway.network__nat) == 0 && length(aws_eip.network__nat) == 0 && length(aws_route.network__private_nat) == 0
    error_message = "nat_gateway = none: no NAT gateway, no elastic IP, no default route from private subnets"
  }
}

run "a_cluster_needs_nat" {
  command = plan

  variables {
    network = {
      name       = "network", resource_name = "acme-shop-dev-net"
      cidr_block = "10.0.0.0/16", az_count = 2, nat_gateway = "none", existing_network_id = null
    }
  }

  expect_failures = [aws_eks_cluster.cluster]
}
