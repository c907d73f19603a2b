# Every kind's output carries exactly the contract's keys (terraform/CONTRACT.md, "Outputs"), with
# nothing secret: applied against mocked providers so every value is known.

mock_provider "google" {
  source = "./tests/mocks"
}
mock_provider "helm" {}
mock_provider "random" {}

variables {
  vineyard     = "Acme"
  vine         = "Shop"
  stage        = "staging"
  name_prefix  = "acme-shop-stg"
  region       = "us-central1"
  network      = { name = "network", resource_name = "acme-shop-stg-net", cidr_block = "10.0.0.0/16", az_count = 2, nat_gateway = "single", existing_network_id = null }
  cluster      = { name = "cluster", resource_name = "acme-shop-stg-k8s", kubernetes_version = "1.31", node_size = "medium", node_min = 2, node_max = 4, argocd_enabled = true }
  dns          = { name = "dns", resource_name = "acme-shop-stg-dns", domain_name = "shop.example.com", private_zone = false, existing_zone_id = null }
  repositories = { name = "repositories", resource_name = "acme-shop-stg-repos", repo_url = "https://github.com/example/deploy.git", branch = "staging", path = "overlays/staging", sync_policy = "automated" }
  databases = {
    main   = { name = "main", resource_name = "acme-shop-stg-db-main", engine = "postgres", engine_version = "16", size = "medium", storage_gb = 20, high_availability = false, backup_retention_days = 7 }
    legacy = { name = "legacy", resource_name = "acme-shop-stg-db-legacy", engine = "mysql", engine_version = "8.4", size = "small", storage_gb = 10, high_availability = true, backup_retention_days = 3 }
  }
  caches = {
    session = { name = "session", resource_name = "acme-shop-stg-cache-session", engine = "redis", size = "medium", node_count = 1, high_availability = false }
    fast    = { name = "fast", resource_name = "acme-shop-stg-cache-fast", engine = "valkey", size = "small", node_count = 2, high_availability = true }
    pages   = { name = "pages", resource_name = "acme-shop-stg-cache-pages", engine = "memcached", size = "small", node_count = 3, high_availability = true }
  }
  queues = {
    jobs   = { name = "jobs", resource_name = "acme-shop-stg-q-jobs", fifo = false, visibility_timeout_seconds = 30, message_retention_seconds = 345600, dead_letter = true }
    orders = { name = "orders", resource_name = "acme-shop-stg-q-orders", fifo = true, visibility_timeout_seconds = 5, message_retention_seconds = 86400, dead_letter = false }
  }
  topics = {
    events = { name = "events", resource_name = "acme-shop-stg-topic-events", fifo = false, subscribe_queues = ["jobs", "orders"] }
  }
  nosql_tables = {
    items = { name = "items", resource_name = "acme-shop-stg-nosql-items", partition_key = "pk", sort_key = "sk", billing_mode = "on_demand", ttl_attribute = null, point_in_time_recovery = true }
  }
  container_registries = {
    app = { name = "app", resource_name = "acme-shop-stg-cr-app", immutable_tags = true, scan_on_push = false, keep_images = 50 }
  }
  secrets = {
    api       = { name = "api", resource_name = "acme-shop-stg-sec-api", description = "API key", generate_length = 40, recovery_window_days = 7 }
    generated = { name = "generated", resource_name = "acme-shop-stg-sec-generated", description = "", generate_length = 24, recovery_window_days = 0 }
  }
  secret_values = {
    api = "user-given-s3cret-value-7d1f"
  }
}

run "contract_keys" {
  command = apply

  assert {
    condition     = output.name_prefix == "acme-shop-stg"
    error_message = "name_prefix is the input"
  }
  assert {
    condition     = sort(keys(output.network)) == sort(["network"]) && sort(keys(output.network["network"])) == sort(["id", "arn", "name", "cidr_block", "availability_zones", "private_subnets", "public_subnets", "nat_gateways"])
    error_message = "network output keys"
  }
  assert {
    condition     = sort(keys(output.cluster["cluster"])) == sort(["id", "arn", "name", "endpoint", "kubernetes_version", "node_instance_type", "node_min", "node_max", "oidc_issuer_url", "argocd_url"])
    error_message = "cluster output keys"
  }
  assert {
    condition     = sort(keys(output.dns["dns"])) == sort(["zone_id", "arn", "domain_name", "private_zone", "name_servers"])
    error_message = "dns output keys"
  }
  assert {
    condition     = sort(keys(output.repositories["repositories"])) == sort(["argocd_application", "repo_url", "branch", "path", "sync_policy"])
    error_message = "repositories output keys"
  }
  assert {
    condition = alltrue([for k in ["main", "legacy"] : sort(keys(output.databases[k])) == sort([
      "id", "arn", "host", "port", "endpoint", "reader_host", "engine", "engine_version", "instance_class", "storage_gb",
      "database_name", "username", "password_secret", "url",
    ])])
    error_message = "databases output keys"
  }
  assert {
    condition     = alltrue([for k in ["session", "fast", "pages"] : sort(keys(output.caches[k])) == sort(["id", "arn", "host", "port", "endpoint", "url", "engine", "node_type", "node_count"])])
    error_message = "caches output keys, for every engine"
  }
  assert {
    condition     = alltrue([for k in ["jobs", "orders"] : sort(keys(output.queues[k])) == sort(["name", "arn", "url", "fifo", "dead_letter_arn"])])
    error_message = "queues output keys"
  }
  assert {
    condition     = sort(keys(output.topics["events"])) == sort(["name", "arn", "subscriptions"])
    error_message = "topics output keys"
  }
  assert {
    condition     = sort(keys(output.nosql_tables["items"])) == sort(["name", "arn", "endpoint", "partition_key", "sort_key", "billing_mode"])
    error_message = "nosql_tables output keys"
  }
  assert {
    condition     = sort(keys(output.container_registries["app"])) == sort(["name", "arn", "repository_url", "immutable_tags"])
    error_message = "container_registries output keys"
  }
  assert {
    condition     = alltrue([for k in ["api", "generated"] : sort(keys(output.secrets[k])) == sort(["name", "arn", "value_source"])])
    error_message = "secrets output keys"
  }
}

run "values" {
  command = apply

  assert {
    condition     = output.secrets["api"].value_source == "user" && output.secrets["generated"].value_source == "generated"
    error_message = "value_source tells a user value from a generated one"
  }
  assert {
    condition     = output.databases["main"].port == 5432 && output.databases["legacy"].port == 3306 && output.databases["main"].reader_host == null && output.databases["main"].username == "vintner" && output.databases["main"].database_name == "main"
    error_message = "database ports, user and database"
  }
  assert {
    condition     = output.databases["main"].password_secret == google_secret_manager_secret.databases__password["main"].id
    error_message = "password_secret names the Secret Manager secret holding the password"
  }
  assert {
    condition     = google_sql_database_instance.databases["legacy"].settings[0].tier == "db-custom-1-3840" && google_sql_database_instance.databases["legacy"].database_version == "MYSQL_8_4"
    error_message = "a small database with high availability gets the smallest dedicated-core tier"
  }
  assert {
    condition     = output.caches["pages"].port == 11211 && output.caches["pages"].engine == "memcached" && output.caches["pages"].node_count == 3 && output.caches["fast"].engine == "valkey" && output.caches["fast"].node_count == 2
    error_message = "cache engines and node counts"
  }
  assert {
    condition     = google_memorystore_instance.caches["fast"].replica_count == 1 && google_memorystore_instance.caches["fast"].zone_distribution_config[0].mode == "MULTI_ZONE" && length(google_network_connectivity_service_connection_policy.network__memorystore) == 1
    error_message = "Valkey with high availability: one replica, multi-zone, through the network's connection policy"
  }
  assert {
    condition     = length(google_memcache_instance.caches["pages"].zones) == 2
    error_message = "Memcached with high availability spreads over the vine's zones"
  }
  assert {
    condition     = output.queues["orders"].fifo == true && output.queues["orders"].dead_letter_arn == null && output.queues["jobs"].dead_letter_arn == google_pubsub_topic.queues__dlq["jobs"].id
    error_message = "queue fifo and dead-letter outputs"
  }
  assert {
    condition     = google_pubsub_subscription.queues["orders"].ack_deadline_seconds == 10
    error_message = "a visibility timeout under 10 s becomes Pub/Sub's 10 s minimum"
  }
  assert {
    condition     = length(output.topics["events"].subscriptions) == 2 && google_pubsub_subscription.topics__subscription["events/orders"].enable_message_ordering == true && length(google_pubsub_subscription.topics__subscription["events/jobs"].dead_letter_policy) == 1
    error_message = "the topic feeds each subscribed queue through a subscription with that queue's settings"
  }
  assert {
    condition     = google_artifact_registry_repository.container_registries["app"].vulnerability_scanning_config[0].enablement_config == "DISABLED" && google_artifact_registry_repository.container_registries["app"].docker_config[0].immutable_tags == true
    error_message = "scan_on_push false disables scanning; immutable_tags"
  }
  assert {
    condition     = one([for p in google_artifact_registry_repository.container_registries["app"].cleanup_policies : p.most_recent_versions[0].keep_count if p.action == "KEEP"]) == 50
    error_message = "keep_images is the cleanup policy's keep count"
  }
  assert {
    condition     = length(google_artifact_registry_repository_iam_member.container_registries__nodes) == 1 && google_artifact_registry_repository_iam_member.container_registries__nodes["app"].role == "roles/artifactregistry.reader"
    error_message = "the cluster's nodes may pull from the vine's registries"
  }
  assert {
    condition     = google_secret_manager_secret.secrets["api"].version_destroy_ttl == "604800s" && google_secret_manager_secret.secrets["generated"].version_destroy_ttl == null
    error_message = "recovery_window_days → delayed destruction of versions"
  }
  assert {
    condition     = output.nosql_tables["items"].partition_key == "pk" && output.nosql_tables["items"].sort_key == "sk" && length(google_firestore_field.nosql_tables__ttl) == 0
    error_message = "logical keys echoed; no TTL policy without ttl_attribute"
  }
  assert {
    condition     = tolist(output.network["network"].availability_zones) == tolist(["us-central1-a", "us-central1-b"]) && length(output.network["network"].public_subnets) == 0 && length(output.network["network"].nat_gateways) == 1 && length(output.network["network"].private_subnets) == 2
    error_message = "the network's zones, subnets and NAT"
  }
  assert {
    condition     = output.cluster["cluster"].endpoint == "https://203.0.113.10" && startswith(output.cluster["cluster"].oidc_issuer_url, "https://container.googleapis.com/v1/projects/vintner-test/locations/us-central1-a/clusters/")
    error_message = "cluster endpoint and Workload Identity issuer"
  }
  # Nothing secret: neither a user's secret value nor a generated password appears in any output.
  assert {
    condition = !strcontains(jsonencode([
      output.network, output.cluster, output.dns, output.repositories, output.databases, output.caches,
      output.queues, output.topics, output.nosql_tables, output.container_registries, output.secrets,
    ]), "user-given-s3cret-value-7d1f")
    error_message = "a user's secret value must not appear in outputs"
  }
  assert {
    condition = nonsensitive(alltrue([for p in concat(values(random_password.databases__password), values(random_password.secrets__generated)) : !strcontains(jsonencode([
      output.network, output.cluster, output.dns, output.repositories, output.databases, output.caches,
      output.queues, output.topics, output.nosql_tables, output.container_registries, output.secrets,
    ]), p.result)]))
    error_message = "generated passwords must not appear in outputs"
  }
}
