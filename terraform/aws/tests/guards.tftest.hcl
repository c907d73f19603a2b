# Settings AWS would refuse late (or that would leave a half-built vine) fail at plan, with a
# message naming the setting.
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
}
mock_provider "helm" {}
mock_provider "random" {}
mock_provider "tls" {}

variables {
  vineyard    = "Acme"
  vine        = "Shop"
  region      = "us-east-1"
  name_prefix = "acme-shop-dev"
  stage       = "development"
  network = {
    name       = "network", resource_name = "acme-shop-dev-net"
    cidr_block = "10.0.0.0/16", az_count = 2, nat_gateway = "single", existing_network_id = null
  }
  queues = {
    plain = { name = "plain", resource_name = "acme-shop-dev-queue-plain", fifo = false, visibility_timeout_seconds = 30, message_retention_seconds = 345600, dead_letter = false }
    fifo  = { name = "fifo", resource_name = "acme-shop-dev-queue-fifo", fifo = true, visibility_timeout_seconds = 30, message_retention_seconds = 345600, dead_letter = false }
  }
}

run "a_topic_names_a_queue_the_vine_lacks" {
  command = plan
  variables {
    topics = { t = { name = "t", resource_name = "acme-shop-dev-topic-t", fifo = false, subscribe_queues = ["plain", "nope"] } }
  }
  expect_failures = [aws_sns_topic.topics]
}

run "a_standard_topic_cannot_feed_a_fifo_queue" {
  command = plan
  variables {
    topics = { t = { name = "t", resource_name = "acme-shop-dev-topic-t", fifo = false, subscribe_queues = ["fifo"] } }
  }
  expect_failures = [aws_sns_topic.topics]
}

run "a_matching_topic_subscribes" {
  command = plan
  variables {
    topics = { t = { name = "t", resource_name = "acme-shop-dev-topic-t", fifo = true, subscribe_queues = ["fifo"] } }
  }
  assert {
    condition     = keys(aws_sns_topic_subscription.topics__subscription) == ["t/fifo"] && length(data.aws_iam_policy_document.queues["fifo"].statement) == 2
    error_message = "one subscription per queue; the queue's policy lets the topic send"
  }
}

run "a_cidr_too_small_for_sixteen_subnets" {
  command = plan
  variables {
    network = {
      name       = "network", resource_name = "acme-shop-dev-net"
      cidr_block = "10.0.0.0/26", az_count = 2, nat_gateway = "single", existing_network_id = null
    }
  }
  expect_failures = [aws_vpc.network]
}

run "more_zones_than_the_region_has" {
  command = plan
  variables {
    network = {
      name       = "network", resource_name = "acme-shop-dev-net"
      cidr_block = "10.0.0.0/16", az_count = 6, nat_gateway = "per_az", existing_network_id = null
    }
  }
  expect_failures = [aws_vpc.network]
}

run "node_min_above_node_max" {
  command = plan
  variables {
    cluster = {
      name               = "cluster", resource_name = "acme-shop-dev-k8s"
      kubernetes_version = "1.31", node_size = "small", node_min = 3, node_max = 2, argocd_enabled = false
    }
  }
  expect_failures = [aws_eks_node_group.cluster__nodes]
}

run "a_database_needs_the_network" {
  command = plan
  variables {
    network = null
    databases = {
      main = {
        name = "main", resource_name = "acme-shop-dev-db-main", engine = "postgres", engine_version = "16"
        size = "small", storage_gb = 20, high_availability = false, backup_retention_days = 1
      }
    }
  }
  expect_failures = [var.databases]
}

run "a_cache_needs_the_network" {
  command = plan
  variables {
    network = null
    caches  = { c = { name = "c", resource_name = "acme-shop-dev-cache-c", engine = "redis", size = "small", node_count = 1, high_availability = false } }
  }
  expect_failures = [var.caches]
}

run "a_cluster_needs_the_network" {
  command = plan
  variables {
    network = null
    cluster = {
      name               = "cluster", resource_name = "acme-shop-dev-k8s"
      kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = false
    }
  }
  expect_failures = [var.cluster]
}

run "a_private_zone_needs_the_network" {
  command = plan
  variables {
    network = null
    dns     = { name = "dns", resource_name = "acme-shop-dev-dns", domain_name = "internal.example.com", private_zone = true, existing_zone_id = null }
  }
  expect_failures = [var.dns]
}
