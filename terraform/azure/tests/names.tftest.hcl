# Every cloud name derived from resource_name fits Azure's rules, for the longest names Vintner
# makes and for names derived from unicode display names.

mock_provider "azurerm" {
  mock_data "azurerm_client_config" {
    defaults = {
      subscription_id = "00000000-0000-0000-0000-000000000001"
      tenant_id       = "00000000-0000-0000-0000-000000000002"
      object_id       = "00000000-0000-0000-0000-000000000003"
    }
  }
}
mock_provider "helm" {}
mock_provider "random" {}

# The longest: a 24-character prefix and 63-character resource names.
variables {
  vineyard    = "A very long vineyard name that goes on"
  vine        = "and a vine name that goes on too"
  stage       = "production"
  name_prefix = "averylongvineyar-andav-p"
  region      = "eastus"
  network     = { name = "net", resource_name = "averylongvineyar-andav-p-net", cidr_block = "10.0.0.0/16", az_count = 6, nat_gateway = "per_az", existing_network_id = null }
  cluster     = { name = "k8s", resource_name = "averylongvineyar-andav-p-k8s-a-very-long-cluster-name-to-the-e", kubernetes_version = "1.31", node_size = "xlarge", node_min = 0, node_max = 100, argocd_enabled = true }
  databases = {
    "a-very-long-database-component-name-abcd" = { name = "a-very-long-database-component-name-abcd", resource_name = "averylongvineyar-andav-p-db-a-very-long-database-component-nam", engine = "postgres", engine_version = "16.4", size = "xlarge", storage_gb = 65536, high_availability = true, backup_retention_days = 35 }
  }
  caches = {
    "a-very-long-cache-component-name-abcdefg" = { name = "a-very-long-cache-component-name-abcdefg", resource_name = "averylongvineyar-andav-p-cache-a-very-long-cache-component-nam", engine = "redis", size = "xlarge", node_count = 20, high_availability = true }
  }
  queues = {
    "a-very-long-queue-component-name-abcdefg" = { name = "a-very-long-queue-component-name-abcdefg", resource_name = "averylongvineyar-andav-p-queue-a-very-long-queue-component-nam", fifo = true, visibility_timeout_seconds = 43200, message_retention_seconds = 1209600, dead_letter = true }
  }
  nosql_tables = {
    "a-very-long-table-component-name-abcdefg" = { name = "a-very-long-table-component-name-abcdefg", resource_name = "averylongvineyar-andav-p-nosql-a-very-long-table-component-nam", partition_key = "tenant", sort_key = null, billing_mode = "on_demand", ttl_attribute = null, point_in_time_recovery = true }
  }
  container_registries = {
    "a-very-long-registry-component-name-abcd" = { name = "a-very-long-registry-component-name-abcd", resource_name = "averylongvineyar-andav-p-cr-a-very-long-registry-component-name", immutable_tags = true, scan_on_push = true, keep_images = 10000 }
  }
  secrets = {
    "a-very-long-secret-component-name-abcdef" = { name = "a-very-long-secret-component-name-abcdef", resource_name = "averylongvineyar-andav-p-secret-a-very-long-secret-component-na", description = "d", generate_length = 128, recovery_window_days = 30 }
  }
}

run "long_names_fit" {
  command = plan

  assert {
    condition     = can(regex("^[a-zA-Z]([a-zA-Z0-9]|-[a-zA-Z0-9]){2,23}$", azurerm_key_vault.vine[0].name)) && length(azurerm_key_vault.vine[0].name) <= 24
    error_message = "Key Vault: 3–24 letters, digits and single hyphens, starting with a letter (got ${azurerm_key_vault.vine[0].name})"
  }
  assert {
    condition     = alltrue([for r in azurerm_container_registry.container_registries : can(regex("^[a-zA-Z0-9]{5,50}$", r.name))])
    error_message = "ACR: 5–50 letters and digits"
  }
  assert {
    condition     = alltrue([for s in azurerm_postgresql_flexible_server.databases : can(regex("^[a-z0-9]([a-z0-9]|-[a-z0-9]){2,62}$", s.name)) && length(s.name) <= 63])
    error_message = "PostgreSQL server: 3–63 lowercase letters, digits and hyphens"
  }
  assert {
    condition     = alltrue([for c in azurerm_redis_cache.caches : can(regex("^[a-zA-Z0-9]([a-zA-Z0-9]|-[a-zA-Z0-9]){0,62}$", c.name)) && length(c.name) <= 63])
    error_message = "Redis: 1–63 letters, digits and single hyphens"
  }
  assert {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$", azurerm_servicebus_namespace.vine[0].name)) && !can(regex("-(sb|mgmt)$", azurerm_servicebus_namespace.vine[0].name))
    error_message = "Service Bus namespace: 6–50 characters, starting with a letter, not ending in -sb or -mgmt"
  }
  assert {
    condition     = alltrue([for q in azurerm_servicebus_queue.queues : length(q.name) <= 260]) && alltrue([for q in azurerm_servicebus_queue.queues__dlq : length(q.name) <= 260])
    error_message = "Service Bus queue names: at most 260"
  }
  assert {
    condition     = alltrue([for a in azurerm_cosmosdb_account.vine : can(regex("^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$", a.name))])
    error_message = "Cosmos DB account: 3–44 lowercase letters, digits and hyphens"
  }
  assert {
    condition     = alltrue([for s in azurerm_key_vault_secret.secrets : can(regex("^[0-9a-zA-Z-]{1,127}$", s.name))]) && alltrue([for s in azurerm_key_vault_secret.databases__password : can(regex("^[0-9a-zA-Z-]{1,127}$", s.name))])
    error_message = "Key Vault secret names: 1–127 letters, digits and hyphens"
  }
  assert {
    condition     = length(azurerm_kubernetes_cluster.cluster["k8s"].name) <= 63 && can(regex("^[a-zA-Z0-9]([a-zA-Z0-9-]{0,52}[a-zA-Z0-9])?$", azurerm_kubernetes_cluster.cluster["k8s"].dns_prefix)) && length(azurerm_kubernetes_cluster.cluster["k8s"].node_resource_group) <= 80
    error_message = "AKS: name ≤ 63, DNS prefix 1–54 alphanumerics and hyphens, node resource group ≤ 80"
  }
  assert {
    condition     = alltrue([for p in azurerm_kubernetes_cluster_node_pool.cluster__pool : can(regex("^[a-z][a-z0-9]{0,11}$", p.name))])
    error_message = "AKS node pool names: 1–12 lowercase alphanumerics"
  }
  assert {
    condition     = alltrue([for s in azurerm_subnet.network__private : length(s.name) <= 80]) && alltrue([for n in azurerm_nat_gateway.network__nat : length(n.name) <= 80]) && length(azurerm_resource_group.vine.name) <= 90
    error_message = "subnets and NAT gateways ≤ 80, resource group ≤ 90"
  }
  assert {
    condition     = length(azurerm_kubernetes_cluster_node_pool.cluster__pool) == 6 && toset(azurerm_kubernetes_cluster_node_pool.cluster__pool["k8s/4"].zones) == toset(["2"])
    error_message = "az_count 6: six pools over Azure's three zones"
  }
  assert {
    condition     = azurerm_postgresql_flexible_server.databases["a-very-long-database-component-name-abcd"].storage_mb == 33553408 && azurerm_postgresql_flexible_server.databases["a-very-long-database-component-name-abcd"].version == "16"
    error_message = "storage beyond Azure's largest is 32 TiB; version 16.4 → 16"
  }
  assert {
    condition     = azurerm_redis_cache.caches["a-very-long-cache-component-name-abcdefg"].shard_count == 10 && azurerm_redis_cache.caches["a-very-long-cache-component-name-abcdefg"].replicas_per_primary == 1 && output.caches["a-very-long-cache-component-name-abcdefg"].node_count == 20
    error_message = "20 nodes: 10 shards of primary + replica"
  }
  assert {
    condition     = azurerm_servicebus_queue.queues["a-very-long-queue-component-name-abcdefg"].lock_duration == "PT5M" && azurerm_servicebus_queue.queues["a-very-long-queue-component-name-abcdefg"].default_message_ttl == "P14D" && azurerm_servicebus_queue.queues["a-very-long-queue-component-name-abcdefg"].requires_session
    error_message = "a 12 h visibility timeout is clamped to Service Bus's 5 min lock; 14 days of retention; fifo → sessions"
  }
}

# Derived from unicode display names: Vintner's slug falls back to a hash.
run "unicode_derived_names_fit" {
  command = plan

  variables {
    vineyard    = "Ünïcødé 葡萄园"
    vine        = "店舗"
    stage       = "development"
    name_prefix = "u-3f9a-dev"
    network     = { name = "net", resource_name = "u-3f9a-dev-net", cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = null }
    cluster     = { name = "k8s", resource_name = "u-3f9a-dev-k8s", kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = false }
    databases = {
      "d-7c1e" = { name = "d-7c1e", resource_name = "u-3f9a-dev-db-d-7c1e", engine = "mysql", engine_version = "8.0", size = "small", storage_gb = 10, high_availability = false, backup_retention_days = 1 }
    }
    caches       = { "c-1b2c" = { name = "c-1b2c", resource_name = "u-3f9a-dev-cache-c-1b2c", engine = "redis", size = "small", node_count = 1, high_availability = false } }
    queues       = { "q-9e8d" = { name = "q-9e8d", resource_name = "u-3f9a-dev-queue-q-9e8d", fifo = false, visibility_timeout_seconds = 90, message_retention_seconds = 93784, dead_letter = false } }
    nosql_tables = { "t-aa01" = { name = "t-aa01", resource_name = "u-3f9a-dev-nosql-t-aa01", partition_key = "pk", sort_key = null, billing_mode = "provisioned", ttl_attribute = null, point_in_time_recovery = false } }
    container_registries = {
      "r-0f0f" = { name = "r-0f0f", resource_name = "u-3f9a-dev-cr-r-0f0f", immutable_tags = false, scan_on_push = false, keep_images = 5 }
      "x"      = { name = "x", resource_name = "u-x", immutable_tags = false, scan_on_push = false, keep_images = 5 }
    }
    secrets = { "s-5d6e" = { name = "s-5d6e", resource_name = "u-3f9a-dev-secret-s-5d6e", description = "", generate_length = 8, recovery_window_days = 0 } }
  }

  assert {
    condition     = can(regex("^[a-zA-Z]([a-zA-Z0-9]|-[a-zA-Z0-9]){2,23}$", azurerm_key_vault.vine[0].name))
    error_message = "Key Vault name fits (got ${azurerm_key_vault.vine[0].name})"
  }
  assert {
    condition     = alltrue([for r in azurerm_container_registry.container_registries : can(regex("^[a-zA-Z0-9]{5,50}$", r.name))])
    error_message = "ACR names fit, even from a 3-character resource name"
  }
  assert {
    condition     = alltrue([for s in azurerm_mysql_flexible_server.databases : can(regex("^[a-z0-9]([a-z0-9]|-[a-z0-9]){2,62}$", s.name))]) && azurerm_mysql_flexible_server.databases["d-7c1e"].storage[0].size_gb == 20
    error_message = "MySQL server name fits; 10 GB is raised to Azure's 20 GiB minimum"
  }
  assert {
    condition     = can(regex("^[a-zA-Z][a-zA-Z0-9-]{4,48}[a-zA-Z0-9]$", azurerm_servicebus_namespace.vine[0].name))
    error_message = "Service Bus namespace fits"
  }
  assert {
    condition     = alltrue([for a in azurerm_cosmosdb_account.vine : can(regex("^[a-z0-9][a-z0-9-]{1,42}[a-z0-9]$", a.name))])
    error_message = "Cosmos DB account fits"
  }
  assert {
    condition     = azurerm_servicebus_queue.queues["q-9e8d"].lock_duration == "PT1M30S" && azurerm_servicebus_queue.queues["q-9e8d"].default_message_ttl == "P1DT2H3M4S"
    error_message = "durations are written the way Azure returns them"
  }
  assert {
    condition     = azurerm_resource_group.vine.tags["vineyard"] == "Ünïcødé 葡萄园" && azurerm_resource_group.vine.tags["managed-by"] == "vintner"
    error_message = "tags carry the display names (Azure tag values accept unicode)"
  }
}
