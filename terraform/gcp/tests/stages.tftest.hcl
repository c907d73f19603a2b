# Development vs production: the same vine with each stage's catalogue defaults
# (src/domain/components/catalogue.ts), planned against mocked providers.

mock_provider "google" {
  source = "./tests/mocks"
}
mock_provider "helm" {}
mock_provider "random" {}

variables {
  vineyard = "Acme"
  vine     = "Shop"
  region   = "us-central1"
  dns      = null
  nosql_tables = {
    items = { name = "items", resource_name = "acme-shop-x-nosql-items", partition_key = "pk", sort_key = null, billing_mode = "on_demand", ttl_attribute = "expires_at", point_in_time_recovery = false }
  }
  container_registries = {
    app = { name = "app", resource_name = "acme-shop-x-cr-app", immutable_tags = false, scan_on_push = true, keep_images = 30 }
  }
  secrets = {
    api = { name = "api", resource_name = "acme-shop-x-sec-api", description = "API key", generate_length = 32, recovery_window_days = 0 }
  }
}

run "development" {
  command = plan

  variables {
    stage       = "development"
    name_prefix = "acme-shop-dev"
    network     = { name = "network", resource_name = "acme-shop-dev-net", cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = null }
    cluster     = { name = "cluster", resource_name = "acme-shop-dev-k8s", kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = true }
    databases = {
      main = { name = "main", resource_name = "acme-shop-dev-db-main", engine = "postgres", engine_version = "16", size = "small", storage_gb = 20, high_availability = false, backup_retention_days = 1 }
    }
    caches = {
      session = { name = "session", resource_name = "acme-shop-dev-cache-session", engine = "redis", size = "small", node_count = 1, high_availability = false }
    }
    queues = {
      jobs = { name = "jobs", resource_name = "acme-shop-dev-q-jobs", fifo = false, visibility_timeout_seconds = 30, message_retention_seconds = 345600, dead_letter = false }
    }
  }

  # Network: one subnet, one Cloud NAT, flow logs off.
  assert {
    condition     = length(google_compute_subnetwork.network__private) == 1 && length(google_compute_router_nat.network__nat) == 1 && length(google_compute_router.network__router) == 1
    error_message = "development: one subnet, one router, one Cloud NAT"
  }
  assert {
    condition     = length(google_compute_subnetwork.network__private["network/0"].log_config) == 0
    error_message = "development: no VPC flow logs"
  }
  # GKE: zonal in the first zone, smallest machine type, Spot nodes, no deletion protection.
  assert {
    condition     = google_container_cluster.cluster["cluster"].location == "us-central1-a"
    error_message = "development: a zonal cluster in the first zone of the region"
  }
  assert {
    condition     = google_container_node_pool.cluster__nodes["cluster"].node_config[0].machine_type == "e2-medium" && google_container_node_pool.cluster__nodes["cluster"].node_config[0].spot == true
    error_message = "development: e2-medium Spot nodes"
  }
  assert {
    condition     = google_container_cluster.cluster["cluster"].deletion_protection == false
    error_message = "development: the cluster can be deleted"
  }
  assert {
    condition     = google_container_cluster.cluster["cluster"].release_channel[0].channel == "REGULAR"
    error_message = "development: REGULAR release channel"
  }
  assert {
    condition     = google_container_node_pool.cluster__nodes["cluster"].autoscaling[0].total_min_node_count == 1 && google_container_node_pool.cluster__nodes["cluster"].autoscaling[0].total_max_node_count == 2
    error_message = "the node pool scales node_min..node_max nodes in total"
  }
  # Cloud SQL: shared-core tier, zonal, 1 day of backups (2 kept: PITR logs must be fewer), no protection.
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].tier == "db-g1-small"
    error_message = "development: db-g1-small"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].availability_type == "ZONAL"
    error_message = "development: ZONAL availability"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].deletion_protection == false && google_sql_database_instance.databases["main"].settings[0].deletion_protection_enabled == false
    error_message = "development: no deletion protection"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].retain_backups_on_delete == false
    error_message = "development: no backups kept after deletion"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].backup_configuration[0].backup_retention_settings[0].retained_backups == 2 && google_sql_database_instance.databases["main"].settings[0].backup_configuration[0].transaction_log_retention_days == 1
    error_message = "development: 1 day of point-in-time recovery, 2 backups kept"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].database_version == "POSTGRES_16"
    error_message = "postgres 16 → POSTGRES_16"
  }
  # Memorystore: BASIC, 1 GB.
  assert {
    condition     = google_redis_instance.caches["session"].tier == "BASIC" && google_redis_instance.caches["session"].memory_size_gb == 1
    error_message = "development: a 1 GB BASIC Redis"
  }
  assert {
    condition     = google_firestore_database.nosql_tables["items"].delete_protection_state == "DELETE_PROTECTION_DISABLED" && google_firestore_database.nosql_tables["items"].deletion_policy == "DELETE"
    error_message = "development: Firestore deleted on destroy"
  }
  assert {
    condition     = google_secret_manager_secret.secrets["api"].deletion_protection == false
    error_message = "development: secrets can be deleted"
  }
  assert {
    condition     = length(google_dns_managed_zone.dns) == 0 && length(google_pubsub_topic.queues__dlq) == 0
    error_message = "no dns, no dead-letter queue"
  }
}

run "production" {
  command = plan

  variables {
    stage       = "production"
    name_prefix = "acme-shop-prod"
    network     = { name = "network", resource_name = "acme-shop-prod-net", cidr_block = "10.0.0.0/16", az_count = 3, nat_gateway = "per_az", existing_network_id = null }
    cluster     = { name = "cluster", resource_name = "acme-shop-prod-k8s", kubernetes_version = "1.31", node_size = "large", node_min = 3, node_max = 10, argocd_enabled = true }
    databases = {
      main = { name = "main", resource_name = "acme-shop-prod-db-main", engine = "postgres", engine_version = "16", size = "large", storage_gb = 100, high_availability = true, backup_retention_days = 30 }
    }
    caches = {
      session = { name = "session", resource_name = "acme-shop-prod-cache-session", engine = "redis", size = "large", node_count = 2, high_availability = true }
    }
    queues = {
      jobs = { name = "jobs", resource_name = "acme-shop-prod-q-jobs", fifo = false, visibility_timeout_seconds = 30, message_retention_seconds = 1209600, dead_letter = true }
    }
  }

  # Network: three subnets, a Cloud NAT per zone's subnet, flow logs.
  assert {
    condition     = length(google_compute_subnetwork.network__private) == 3 && length(google_compute_router_nat.network__nat) == 3
    error_message = "production: three subnets and a NAT per zone"
  }
  assert {
    condition     = length(google_compute_subnetwork.network__private["network/2"].log_config) == 1
    error_message = "production: VPC flow logs"
  }
  assert {
    condition     = length(google_compute_subnetwork.network__private["network/0"].secondary_ip_range) == 2 && length(google_compute_subnetwork.network__private["network/1"].secondary_ip_range) == 0
    error_message = "the GKE pods and services ranges live in subnet 0"
  }
  # GKE: regional, over the first three zones, larger machines, no Spot, deletion protection.
  assert {
    condition     = google_container_cluster.cluster["cluster"].location == "us-central1"
    error_message = "production: a regional cluster"
  }
  assert {
    condition     = tolist(google_container_cluster.cluster["cluster"].node_locations) == tolist(["us-central1-a", "us-central1-b", "us-central1-c"])
    error_message = "production: nodes in the vine's three zones"
  }
  assert {
    condition     = google_container_node_pool.cluster__nodes["cluster"].node_config[0].machine_type == "e2-standard-4" && google_container_node_pool.cluster__nodes["cluster"].node_config[0].spot == false
    error_message = "production: e2-standard-4 standard nodes"
  }
  assert {
    condition     = google_container_cluster.cluster["cluster"].deletion_protection == true && google_container_cluster.cluster["cluster"].release_channel[0].channel == "STABLE"
    error_message = "production: deletion protection, STABLE channel"
  }
  # Cloud SQL: dedicated tier, REGIONAL, 30 backups, 7 days of PITR logs, protected, backups kept.
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].tier == "db-custom-4-15360"
    error_message = "production: db-custom-4-15360"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].availability_type == "REGIONAL"
    error_message = "production: REGIONAL availability"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].deletion_protection == true && google_sql_database_instance.databases["main"].settings[0].deletion_protection_enabled == true
    error_message = "production: deletion protection"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].retain_backups_on_delete == true
    error_message = "production: backups kept after deletion (the final snapshot)"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].backup_configuration[0].backup_retention_settings[0].retained_backups == 30 && google_sql_database_instance.databases["main"].settings[0].backup_configuration[0].transaction_log_retention_days == 7
    error_message = "production: 30 backups, 7 days of point-in-time recovery"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].backup_configuration[0].point_in_time_recovery_enabled == true
    error_message = "point-in-time recovery"
  }
  # Memorystore: STANDARD_HA with a replica, 8 GB, RDB snapshots.
  assert {
    condition     = google_redis_instance.caches["session"].tier == "STANDARD_HA" && google_redis_instance.caches["session"].memory_size_gb == 11 && google_redis_instance.caches["session"].replica_count == 1
    error_message = "production: an 11 GB STANDARD_HA Redis with one replica"
  }
  assert {
    condition     = google_firestore_database.nosql_tables["items"].delete_protection_state == "DELETE_PROTECTION_ENABLED"
    error_message = "production: Firestore delete protection"
  }
  assert {
    condition     = google_secret_manager_secret.secrets["api"].deletion_protection == true
    error_message = "production: secrets protected"
  }
  # Dead letters: a topic, a subscription keeping them, the Pub/Sub agent allowed to use both.
  assert {
    condition     = length(google_pubsub_topic.queues__dlq) == 1 && length(google_pubsub_subscription.queues__dlq) == 1 && google_pubsub_topic_iam_member.queues__dlq["jobs"].member == "serviceAccount:service-123456789012@gcp-sa-pubsub.iam.gserviceaccount.com"
    error_message = "production: the queue's dead-letter topic, its subscription and the service agent's rights"
  }
  assert {
    condition     = google_pubsub_subscription.queues["jobs"].dead_letter_policy[0].max_delivery_attempts == 5 && google_pubsub_subscription.queues["jobs"].message_retention_duration == "1209600s"
    error_message = "production: dead letters after 5 attempts, 14 days of retention"
  }
}

run "no_nat" {
  command = plan

  variables {
    stage       = "staging"
    name_prefix = "acme-shop-stg"
    network     = { name = "network", resource_name = "acme-shop-stg-net", cidr_block = "10.8.0.0/20", az_count = 2, nat_gateway = "none", existing_network_id = null }
    cluster     = null
    databases   = {}
    caches      = {}
    queues      = {}
  }

  assert {
    condition     = length(google_compute_router.network__router) == 0 && length(google_compute_router_nat.network__nat) == 0
    error_message = "nat_gateway none: no router, no Cloud NAT"
  }
  assert {
    condition     = google_compute_subnetwork.network__private["network/1"].ip_cidr_range == "10.8.1.0/24" && google_compute_global_address.network__psa["network"].address == "10.8.7.0" && google_compute_global_address.network__psa["network"].prefix_length == 24
    error_message = "a /20 is carved into /24 subnets and a /24 for private service access"
  }
}

run "single_nat_covers_every_subnet" {
  command = apply

  variables {
    stage       = "staging"
    name_prefix = "acme-shop-stg"
    network     = { name = "network", resource_name = "acme-shop-stg-net", cidr_block = "10.0.0.0/16", az_count = 2, nat_gateway = "single", existing_network_id = null }
    cluster     = null
    databases   = {}
    caches      = {}
    queues      = {}
  }

  assert {
    condition     = length(google_compute_router_nat.network__nat) == 1 && length(google_compute_router_nat.network__nat["network/0"].subnetwork) == 2
    error_message = "nat_gateway single: one Cloud NAT for both subnets"
  }
}

run "cidr_too_small" {
  command = plan

  variables {
    stage       = "staging"
    name_prefix = "acme-shop-stg"
    network     = { name = "network", resource_name = "acme-shop-stg-net", cidr_block = "10.0.0.0/24", az_count = 1, nat_gateway = "single", existing_network_id = null }
    cluster     = null
    databases   = {}
    caches      = {}
    queues      = {}
  }

  expect_failures = [google_compute_network.network]
}
