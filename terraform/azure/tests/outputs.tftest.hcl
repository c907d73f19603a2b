# Each kind's output: exactly the contract's keys per kind (terraform/CONTRACT.md, "Outputs"), and nothing
# secret. Applied against the mock providers, so every value is known.

mock_provider "azurerm" {
  mock_data "azurerm_client_config" {
    defaults = {
      subscription_id = "00000000-0000-0000-0000-000000000001"
      tenant_id       = "00000000-0000-0000-0000-000000000002"
      object_id       = "00000000-0000-0000-0000-000000000003"
    }
  }
  mock_resource "azurerm_kubernetes_cluster" {
    defaults = {
      fqdn            = "acme-shop-dev-k8s-abcd1234.hcp.eastus.azmk8s.io"
      oidc_issuer_url = "https://eastus.oic.prod-aks.azure.com/00000000-0000-0000-0000-000000000002/11111111-1111-1111-1111-111111111111/"
    }
  }
  mock_resource "azurerm_servicebus_namespace" {
    defaults = {
      endpoint = "https://acme-shop-dev-bus-abcd.servicebus.windows.net:443/"
    }
  }
}
mock_provider "helm" {}
mock_provider "random" {
  mock_resource "random_password" {
    defaults = {
      result = "GENERATED-Pa55word-never-in-outputs"
    }
  }
}

variables {
  vineyard     = "Acme"
  vine         = "Shop"
  stage        = "development"
  name_prefix  = "acme-shop-dev"
  region       = "eastus"
  network      = { name = "net", resource_name = "acme-shop-dev-net", cidr_block = "10.0.0.0/16", az_count = 2, nat_gateway = "single", existing_network_id = null }
  cluster      = { name = "k8s", resource_name = "acme-shop-dev-k8s", kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = true }
  dns          = { name = "dns", resource_name = "acme-shop-dev-dns", domain_name = "internal.example", private_zone = true, existing_zone_id = null }
  repositories = { name = "deploy", resource_name = "acme-shop-dev-repo", repo_url = "https://github.com/example/deploy.git", branch = "development", path = "overlays/development", sync_policy = "automated" }
  databases = {
    main   = { name = "main", resource_name = "acme-shop-dev-db-main", engine = "postgres", engine_version = "16", size = "small", storage_gb = 20, high_availability = false, backup_retention_days = 1 }
    legacy = { name = "legacy", resource_name = "acme-shop-dev-db-legacy", engine = "mysql", engine_version = "8.0", size = "medium", storage_gb = 20, high_availability = true, backup_retention_days = 7 }
  }
  caches = { sessions = { name = "sessions", resource_name = "acme-shop-dev-cache-sessions", engine = "valkey", size = "small", node_count = 1, high_availability = false } }
  queues = {
    jobs   = { name = "jobs", resource_name = "acme-shop-dev-queue-jobs", fifo = false, visibility_timeout_seconds = 30, message_retention_seconds = 345600, dead_letter = true }
    orders = { name = "orders", resource_name = "acme-shop-dev-queue-orders", fifo = true, visibility_timeout_seconds = 60, message_retention_seconds = 345600, dead_letter = false }
  }
  topics               = { events = { name = "events", resource_name = "acme-shop-dev-topic-events", fifo = false, subscribe_queues = ["jobs", "orders"] } }
  nosql_tables         = { carts = { name = "carts", resource_name = "acme-shop-dev-nosql-carts", partition_key = "pk", sort_key = "sk", billing_mode = "on_demand", ttl_attribute = "expires", point_in_time_recovery = true } }
  container_registries = { apps = { name = "apps", resource_name = "acme-shop-dev-cr-apps", immutable_tags = true, scan_on_push = true, keep_images = 30 } }
  secrets = {
    stripe = { name = "stripe", resource_name = "acme-shop-dev-secret-stripe", description = "Stripe key", generate_length = 32, recovery_window_days = 7 }
    api    = { name = "api", resource_name = "acme-shop-dev-secret-api", description = "", generate_length = 40, recovery_window_days = 0 }
  }
  secret_values = { stripe = "sk_live_USER-VALUE-never-in-outputs" }
}

run "every_component_has_exactly_the_contract_keys" {
  command = apply

  assert {
    condition = (jsonencode({
      network      = keys(output.network), cluster = keys(output.cluster), dns = keys(output.dns), repositories = keys(output.repositories),
      databases    = keys(output.databases), caches = keys(output.caches), queues = keys(output.queues), topics = keys(output.topics),
      nosql_tables = keys(output.nosql_tables), container_registries = keys(output.container_registries), secrets = keys(output.secrets)
      }) == jsonencode({
      network = ["net"], cluster = ["k8s"], dns = ["dns"], repositories = ["deploy"], databases = ["legacy", "main"], caches = ["sessions"],
      queues  = ["jobs", "orders"], topics = ["events"], nosql_tables = ["carts"], container_registries = ["apps"], secrets = ["api", "stripe"]
    }))
    error_message = "each kind's output has one entry per component, keyed by its name"
  }
  assert {
    condition     = sort(keys(output.network["net"])) == sort(["id", "arn", "name", "cidr_block", "availability_zones", "private_subnets", "public_subnets", "nat_gateways"])
    error_message = "network keys"
  }
  assert {
    condition     = sort(keys(output.cluster["k8s"])) == sort(["id", "arn", "name", "endpoint", "kubernetes_version", "node_instance_type", "node_min", "node_max", "oidc_issuer_url", "argocd_url"])
    error_message = "cluster keys"
  }
  assert {
    condition     = sort(keys(output.dns["dns"])) == sort(["zone_id", "arn", "domain_name", "private_zone", "name_servers"])
    error_message = "dns keys"
  }
  assert {
    condition     = sort(keys(output.repositories["deploy"])) == sort(["argocd_application", "repo_url", "branch", "path", "sync_policy"])
    error_message = "repositories keys"
  }
  assert {
    condition = alltrue([for d in ["main", "legacy"] :
      sort(keys(output.databases[d])) == sort(["id", "arn", "host", "port", "endpoint", "reader_host", "engine", "engine_version", "instance_class", "storage_gb", "database_name", "username", "password_secret", "url"])
    ])
    error_message = "databases keys"
  }
  assert {
    condition     = sort(keys(output.caches["sessions"])) == sort(["id", "arn", "host", "port", "endpoint", "url", "engine", "node_type", "node_count"])
    error_message = "caches keys"
  }
  assert {
    condition     = alltrue([for q in ["jobs", "orders"] : sort(keys(output.queues[q])) == sort(["name", "arn", "url", "fifo", "dead_letter_arn"])])
    error_message = "queues keys"
  }
  assert {
    condition     = sort(keys(output.topics["events"])) == sort(["name", "arn", "subscriptions"])
    error_message = "topics keys"
  }
  assert {
    condition     = sort(keys(output.nosql_tables["carts"])) == sort(["name", "arn", "endpoint", "partition_key", "sort_key", "billing_mode"])
    error_message = "nosql_tables keys"
  }
  assert {
    condition     = sort(keys(output.container_registries["apps"])) == sort(["name", "arn", "repository_url", "immutable_tags"])
    error_message = "container_registries keys"
  }
  assert {
    condition     = alltrue([for s in ["stripe", "api"] : sort(keys(output.secrets[s])) == sort(["name", "arn", "value_source"])])
    error_message = "secrets keys"
  }
  assert {
    condition     = output.name_prefix == "acme-shop-dev"
    error_message = "name_prefix is output"
  }
}

run "nothing_secret_is_output" {
  command = apply

  assert {
    condition     = !strcontains(jsonencode([output.network, output.cluster, output.dns, output.repositories, output.databases, output.caches, output.queues, output.topics, output.nosql_tables, output.container_registries, output.secrets]), "sk_live_USER-VALUE-never-in-outputs") && !strcontains(jsonencode([output.network, output.cluster, output.dns, output.repositories, output.databases, output.caches, output.queues, output.topics, output.nosql_tables, output.container_registries, output.secrets]), "GENERATED-Pa55word-never-in-outputs")
    error_message = "no secret value, given or generated, appears in the outputs"
  }
  assert {
    condition     = output.secrets["stripe"].value_source == "user" && output.secrets["api"].value_source == "generated"
    error_message = "value_source says where a secret's value came from"
  }
  assert {
    condition     = azurerm_key_vault_secret.secrets["stripe"].value == "sk_live_USER-VALUE-never-in-outputs" && azurerm_key_vault_secret.secrets["api"].value == "GENERATED-Pa55word-never-in-outputs"
    error_message = "the values reach Key Vault"
  }
  assert {
    condition     = output.databases["main"].password_secret == azurerm_key_vault_secret.databases__password["main"].versionless_id && !strcontains(output.databases["main"].url, "GENERATED")
    error_message = "a database's password is named by its Key Vault secret, never output, and not in its URL"
  }
  assert {
    condition     = startswith(output.databases["main"].url, "postgres://vintner@") && output.databases["main"].port == 5432 && output.databases["legacy"].port == 3306
    error_message = "database URLs and ports"
  }
  assert {
    condition     = output.queues["jobs"].url == "https://acme-shop-dev-bus-abcd.servicebus.windows.net/acme-shop-dev-queue-jobs" && output.queues["jobs"].dead_letter_arn == azurerm_servicebus_queue.queues__dlq["jobs"].id && output.queues["orders"].dead_letter_arn == null
    error_message = "queue URL and dead-letter queue id"
  }
  assert {
    condition     = length(output.topics["events"].subscriptions) == 2 && azurerm_servicebus_subscription.topics__subscription["events/orders"].forward_to == "acme-shop-dev-queue-orders"
    error_message = "one forwarding subscription per subscribed queue"
  }
  assert {
    condition     = output.cluster["k8s"].endpoint == "https://acme-shop-dev-k8s-abcd1234.hcp.eastus.azmk8s.io:443" && azurerm_role_assignment.container_registries__pull["apps"].principal_id == azurerm_user_assigned_identity.cluster__kubelet["k8s"].principal_id
    error_message = "cluster endpoint; the kubelet identity pulls from the vine's registries"
  }
  assert {
    condition     = output.caches["sessions"].port == azurerm_redis_cache.caches["sessions"].ssl_port && startswith(output.caches["sessions"].url, "rediss://")
    error_message = "caches are TLS only"
  }
  assert {
    condition     = azurerm_key_vault.vine[0].soft_delete_retention_days == 7 && azurerm_key_vault.vine[0].rbac_authorization_enabled
    error_message = "Key Vault: RBAC, the longest recovery window clamped to 7–90"
  }
  assert {
    condition     = alltrue([for t in [azurerm_resource_group.vine.tags, azurerm_virtual_network.network["net"].tags, azurerm_kubernetes_cluster.cluster["k8s"].tags, azurerm_key_vault.vine[0].tags, azurerm_servicebus_namespace.vine[0].tags] : t["vineyard"] == "Acme" && t["vine"] == "Shop" && t["stage"] == "development" && t["managed-by"] == "vintner"])
    error_message = "resources carry vineyard, vine, stage and managed-by tags"
  }
}

run "production_applies_and_keeps_the_same_keys" {
  command = apply

  variables {
    stage       = "production"
    name_prefix = "acme-shop-prod"
    network     = { name = "net", resource_name = "acme-shop-prod-net", cidr_block = "10.0.0.0/16", az_count = 3, nat_gateway = "per_az", existing_network_id = null }
    cluster     = { name = "k8s", resource_name = "acme-shop-prod-k8s", kubernetes_version = "1.31", node_size = "large", node_min = 3, node_max = 10, argocd_enabled = true }
    databases = {
      main = { name = "main", resource_name = "acme-shop-prod-db-main", engine = "postgres", engine_version = "16", size = "large", storage_gb = 100, high_availability = true, backup_retention_days = 30 }
    }
    caches = { sessions = { name = "sessions", resource_name = "acme-shop-prod-cache-sessions", engine = "redis", size = "large", node_count = 2, high_availability = true } }
  }

  assert {
    condition     = length(azurerm_management_lock.cluster__lock) == 1 && length(azurerm_management_lock.databases__lock) == 1 && length(azurerm_nat_gateway.network__nat) == 3
    error_message = "production: locks on the cluster and the database, a NAT gateway per zone"
  }
  assert {
    condition     = sort(keys(output.databases["main"])) == sort(["id", "arn", "host", "port", "endpoint", "reader_host", "engine", "engine_version", "instance_class", "storage_gb", "database_name", "username", "password_secret", "url"]) && length(output.network["net"].nat_gateways) == 3 && length(output.network["net"].private_subnets) == 3
    error_message = "production outputs keep the contract's keys"
  }
  assert {
    condition     = output.caches["sessions"].node_count == 2 && output.caches["sessions"].node_type == "Premium P2"
    error_message = "an HA cache reports the Premium nodes it runs"
  }
}
