# Names within GCP's limits and valid labels, for 63-character resource names with 40-character
# component names, and for a vine whose display names are unicode (name_prefix "cafe-f875-x61f9-prod",
# as src/domain/vines/stage.ts derives it from "Café Münster" / "商店").

mock_provider "google" {
  source = "./tests/mocks"
}
mock_provider "helm" {}
mock_provider "random" {}

# random_id's hex: 2 bytes are 4 hex characters (the mock would make up a longer string).
override_resource {
  target = random_id.databases__suffix
  values = {
    hex = "a1b2"
  }
}

variables {
  vineyard     = "A very long vineyard name indeed"
  vine         = "and an even longer vine name"
  stage        = "production"
  name_prefix  = "a-ve-5e2c-and-b2c9-prod"
  region       = "us-central1"
  network      = { name = "network", resource_name = "a-ve-5e2c-and-b2c9-prod-net-component-with-a-name-of-forty-c0bf", cidr_block = "10.0.0.0/16", az_count = 3, nat_gateway = "per_az", existing_network_id = null }
  cluster      = { name = "cluster", resource_name = "a-ve-5e2c-and-b2c9-prod-k8s-component-with-a-name-of-forty-c0bf", kubernetes_version = "1.31", node_size = "large", node_min = 3, node_max = 10, argocd_enabled = true }
  dns          = { name = "dns", resource_name = "a-ve-5e2c-and-b2c9-prod-dns-component-with-a-name-of-forty-c0bf", domain_name = "shop.example.com", private_zone = true, existing_zone_id = null }
  repositories = { name = "repositories", resource_name = "a-ve-5e2c-and-b2c9-prod-repos-component-with-a-name-of-for-c0bf", repo_url = "https://github.com/example/deploy.git", branch = "main", path = "overlays/production", sync_policy = "manual" }
  databases = {
    "component-with-a-name-of-forty-character" = { name = "component-with-a-name-of-forty-character", resource_name = "a-ve-5e2c-and-b2c9-prod-db-component-with-a-name-of-forty-c0bfx", engine = "postgres", engine_version = "16", size = "large", storage_gb = 100, high_availability = true, backup_retention_days = 30 }
  }
  caches = {
    "component-with-a-name-of-forty-character" = { name = "component-with-a-name-of-forty-character", resource_name = "a-ve-5e2c-and-b2c9-prod-cache-component-with-a-name-of-for-c0bf", engine = "redis", size = "large", node_count = 2, high_availability = true }
    "valkey-component-with-a-name-of-forty-ch" = { name = "valkey-component-with-a-name-of-forty-ch", resource_name = "a-ve-5e2c-and-b2c9-prod-cache-component-with-a-name-of-fovalkey", engine = "valkey", size = "large", node_count = 2, high_availability = true }
    "memcached-component-with-a-name-of-forty" = { name = "memcached-component-with-a-name-of-forty", resource_name = "a-ve-5e2c-and-b2c9-prod-cache-component-with-a-name-of-fomemcac", engine = "memcached", size = "large", node_count = 2, high_availability = true }
  }
  queues = {
    "component-with-a-name-of-forty-character" = { name = "component-with-a-name-of-forty-character", resource_name = "a-ve-5e2c-and-b2c9-prod-q-component-with-a-name-of-forty-c-c0bf", fifo = true, visibility_timeout_seconds = 43200, message_retention_seconds = 60, dead_letter = true }
  }
  topics = {
    "component-with-a-name-of-forty-character" = { name = "component-with-a-name-of-forty-character", resource_name = "a-ve-5e2c-and-b2c9-prod-topic-component-with-a-name-of-for-c0bf", fifo = true, subscribe_queues = ["component-with-a-name-of-forty-character"] }
  }
  nosql_tables = {
    "component-with-a-name-of-forty-character" = { name = "component-with-a-name-of-forty-character", resource_name = "a-ve-5e2c-and-b2c9-prod-nosql-component-with-a-name-of-for-c0bf", partition_key = "pk", sort_key = "sk", billing_mode = "on_demand", ttl_attribute = "expires_at", point_in_time_recovery = true }
  }
  container_registries = {
    "component-with-a-name-of-forty-character" = { name = "component-with-a-name-of-forty-character", resource_name = "a-ve-5e2c-and-b2c9-prod-cr-component-with-a-name-of-forty-c0bfx", immutable_tags = true, scan_on_push = true, keep_images = 200 }
  }
  secrets = {
    "component-with-a-name-of-forty-character" = { name = "component-with-a-name-of-forty-character", resource_name = "a-ve-5e2c-and-b2c9-prod-sec-component-with-a-name-of-forty-c0bf", description = "a secret", generate_length = 64, recovery_window_days = 30 }
  }
}

run "long_names_fit" {
  command = apply

  # Compute Engine names (network, subnetworks, router, NATs, addresses): RFC 1035, 1–63.
  assert {
    condition = alltrue([for n in concat(
      [for r in google_compute_network.network : r.name],
      [for r in google_compute_subnetwork.network__private : r.name],
      [for r in google_compute_router.network__router : r.name],
      [for r in google_compute_router_nat.network__nat : r.name],
      [for r in google_compute_global_address.network__psa : r.name],
      [for r in google_compute_address.cluster__argocd : r.name],
      [for r in google_network_connectivity_service_connection_policy.network__memorystore : r.name],
      [for r in google_dns_managed_zone.dns : r.name],
      [for r in google_artifact_registry_repository.container_registries : r.repository_id],
    ) : can(regex("^[a-z]([-a-z0-9]{0,61}[a-z0-9])?$", n))])
    error_message = "Compute Engine, Cloud DNS and Artifact Registry names must be RFC 1035 labels of at most 63 characters"
  }
  assert {
    condition     = length(distinct([for r in google_compute_router_nat.network__nat : r.name])) == 3 && length(distinct([for r in google_compute_subnetwork.network__private : r.name])) == 3
    error_message = "shortened names stay distinct"
  }
  # GKE cluster names: at most 40; service account ids: 6–30.
  assert {
    condition     = alltrue([for r in google_container_cluster.cluster : can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", r.name))])
    error_message = "GKE cluster names must be at most 40 characters"
  }
  assert {
    condition     = alltrue([for r in google_service_account.cluster__nodes : can(regex("^[a-z][-a-z0-9]{4,28}[a-z0-9]$", r.account_id))])
    error_message = "service account ids must be 6–30 characters"
  }
  # Cloud SQL: lowercase letters, digits, hyphens; with the project id at most 98 characters.
  assert {
    condition     = alltrue([for r in google_sql_database_instance.databases : can(regex("^[a-z][-a-z0-9]*[a-z0-9]$", r.name)) && length(r.name) <= 62])
    error_message = "Cloud SQL instance names must leave room for the project id (98 characters together)"
  }
  assert {
    condition     = alltrue([for r in google_sql_database.databases__db : can(regex("^[a-z][a-z0-9_]{0,62}$", r.name))])
    error_message = "database names must be valid identifiers"
  }
  # Memorystore for Redis and Memcached: at most 40; Valkey: 4–63.
  assert {
    condition     = alltrue([for n in concat([for r in google_redis_instance.caches : r.name], [for r in google_memcache_instance.caches : r.name]) : can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", n))])
    error_message = "Memorystore for Redis and Memcached instance ids must be at most 40 characters"
  }
  assert {
    condition     = alltrue([for r in google_memorystore_instance.caches : can(regex("^[a-z0-9][-a-z0-9]{2,61}[a-z0-9]$", r.instance_id))])
    error_message = "Memorystore for Valkey instance ids must be 4–63 characters"
  }
  # Firestore database ids: 4–63.
  assert {
    condition     = alltrue([for r in google_firestore_database.nosql_tables : can(regex("^[a-z][-a-z0-9]{2,61}[a-z0-9]$", r.name))])
    error_message = "Firestore database ids must be 4–63 characters"
  }
  # Pub/Sub: 3–255, starting with a letter, not with "goog"; Secret Manager: at most 255.
  assert {
    condition = alltrue([for n in concat(
      [for r in google_pubsub_topic.queues__topic : r.name], [for r in google_pubsub_topic.queues__dlq : r.name],
      [for r in google_pubsub_topic.topics : r.name], [for r in google_pubsub_subscription.queues : r.name],
      [for r in google_pubsub_subscription.queues__dlq : r.name], [for r in google_pubsub_subscription.topics__subscription : r.name],
    ) : can(regex("^[A-Za-z][-A-Za-z0-9_.~+%]{2,254}$", n)) && !startswith(n, "goog")])
    error_message = "Pub/Sub names must be 3–255 characters"
  }
  assert {
    condition     = alltrue([for n in concat([for r in google_secret_manager_secret.secrets : r.secret_id], [for r in google_secret_manager_secret.databases__password : r.secret_id]) : can(regex("^[-a-zA-Z0-9_]{1,255}$", n))])
    error_message = "Secret Manager ids must be at most 255 characters"
  }
  # Helm release names: at most 53.
  assert {
    condition     = alltrue([for n in concat([for r in helm_release.cluster__argocd : r.name], [for r in helm_release.repositories : r.name]) : length(n) <= 53 && can(regex("^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", n))])
    error_message = "Helm release names must be at most 53 characters"
  }
  # Pub/Sub limits: ack deadline 10–600 s, retention 10 min – 31 days.
  assert {
    condition     = google_pubsub_subscription.queues["component-with-a-name-of-forty-character"].ack_deadline_seconds == 600 && google_pubsub_subscription.queues["component-with-a-name-of-forty-character"].message_retention_duration == "600s"
    error_message = "visibility timeout and retention are brought within Pub/Sub's limits"
  }
  assert {
    condition     = google_pubsub_subscription.queues["component-with-a-name-of-forty-character"].enable_message_ordering && google_pubsub_subscription.queues["component-with-a-name-of-forty-character"].enable_exactly_once_delivery
    error_message = "fifo: ordered, exactly-once delivery"
  }
}

run "labels_are_valid" {
  command = plan

  assert {
    condition = alltrue(flatten([for labels in concat(
      [for r in google_compute_global_address.network__psa : r.labels],
      [for r in google_compute_address.cluster__argocd : r.labels],
      [for r in google_network_connectivity_service_connection_policy.network__memorystore : r.labels],
      [for r in google_container_cluster.cluster : r.resource_labels],
      [for r in google_container_node_pool.cluster__nodes : r.node_config[0].resource_labels],
      [for r in google_dns_managed_zone.dns : r.labels],
      [for r in google_sql_database_instance.databases : r.settings[0].user_labels],
      [for r in google_secret_manager_secret.databases__password : r.labels],
      [for r in google_redis_instance.caches : r.labels],
      [for r in google_memorystore_instance.caches : r.labels],
      [for r in google_memcache_instance.caches : r.labels],
      [for r in google_pubsub_topic.queues__topic : r.labels],
      [for r in google_pubsub_topic.queues__dlq : r.labels],
      [for r in google_pubsub_subscription.queues : r.labels],
      [for r in google_pubsub_subscription.queues__dlq : r.labels],
      [for r in google_pubsub_topic.topics : r.labels],
      [for r in google_pubsub_subscription.topics__subscription : r.labels],
      [for r in google_artifact_registry_repository.container_registries : r.labels],
      [for r in google_secret_manager_secret.secrets : r.labels],
    ) : [for k, v in labels : can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))]]))
    error_message = "label keys and values must be lowercase letters, digits, _ and -, at most 63 characters"
  }
  assert {
    condition     = google_container_cluster.cluster["cluster"].resource_labels["managed-by"] == "vintner" && google_container_cluster.cluster["cluster"].resource_labels["stage"] == "production" && google_container_cluster.cluster["cluster"].resource_labels["vineyard"] == "a-very-long-vineyard-name-indeed" && google_container_cluster.cluster["cluster"].resource_labels["vine"] == "and-an-even-longer-vine-name"
    error_message = "every resource carries vineyard, vine, stage and managed-by"
  }
  assert {
    condition     = google_redis_instance.caches["component-with-a-name-of-forty-character"].labels["component"] == "caches-component-with-a-name-of-forty-character"
    error_message = "labels name the component"
  }
}

run "unicode_display_names" {
  command = apply

  variables {
    vineyard     = "Café Münster"
    vine         = "商店"
    name_prefix  = "cafe-f875-x61f9-prod"
    network      = { name = "network", resource_name = "cafe-f875-x61f9-prod-net", cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = null }
    cluster      = null
    dns          = null
    repositories = null
    databases = {
      main = { name = "main", resource_name = "cafe-f875-x61f9-prod-db-main", engine = "postgres", engine_version = "16", size = "small", storage_gb = 20, high_availability = false, backup_retention_days = 7 }
    }
    caches               = {}
    queues               = {}
    topics               = {}
    nosql_tables         = {}
    container_registries = {}
    secrets              = {}
  }

  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].user_labels["vineyard"] == "cafe-munster"
    error_message = "accents are folded: Café Münster → cafe-munster"
  }
  assert {
    condition     = google_sql_database_instance.databases["main"].settings[0].user_labels["vine"] == "x${substr(sha256("商店"), 0, 4)}" && google_sql_database_instance.databases["main"].settings[0].user_labels["vine"] == "x61f9"
    error_message = "a name with nothing left becomes the part name_prefix carries for it (x + 4 hex of its sha256)"
  }
  assert {
    condition     = startswith(google_sql_database_instance.databases["main"].name, "cafe-f875-x61f9-prod-db-main-") && length(google_sql_database_instance.databases["main"].name) <= 62
    error_message = "the Cloud SQL instance is the resource name plus a random suffix kept in state"
  }
}
