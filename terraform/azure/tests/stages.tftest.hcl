# Development is cheap and single-zone, production is zonal, highly available and locked.
# Run through the provider harness (terraform test with mock providers, offline).

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

variables {
  vineyard    = "Acme"
  vine        = "Shop"
  stage       = "development"
  name_prefix = "acme-shop-dev"
  region      = "eastus"
  network     = { name = "net", resource_name = "acme-shop-dev-net", cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = null }
  cluster     = { name = "k8s", resource_name = "acme-shop-dev-k8s", kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = true }
  dns         = { name = "dns", resource_name = "acme-shop-dev-dns", domain_name = "shop.example.com", private_zone = false, existing_zone_id = null }
  databases = {
    main   = { name = "main", resource_name = "acme-shop-dev-db-main", engine = "postgres", engine_version = "16", size = "small", storage_gb = 20, high_availability = false, backup_retention_days = 1 }
    legacy = { name = "legacy", resource_name = "acme-shop-dev-db-legacy", engine = "mysql", engine_version = "8.0", size = "small", storage_gb = 20, high_availability = false, backup_retention_days = 1 }
  }
  caches               = { sessions = { name = "sessions", resource_name = "acme-shop-dev-cache-sessions", engine = "redis", size = "small", node_count = 1, high_availability = false } }
  queues               = { jobs = { name = "jobs", resource_name = "acme-shop-dev-queue-jobs", fifo = false, visibility_timeout_seconds = 30, message_retention_seconds = 345600, dead_letter = false } }
  nosql_tables         = { carts = { name = "carts", resource_name = "acme-shop-dev-nosql-carts", partition_key = "pk", sort_key = null, billing_mode = "on_demand", ttl_attribute = null, point_in_time_recovery = false } }
  container_registries = { apps = { name = "apps", resource_name = "acme-shop-dev-cr-apps", immutable_tags = false, scan_on_push = true, keep_images = 30 } }
  secrets              = { api = { name = "api", resource_name = "acme-shop-dev-secret-api", description = "API key", generate_length = 32, recovery_window_days = 0 } }
}

run "development_is_small_and_single_zone" {
  command = plan

  assert {
    condition     = azurerm_kubernetes_cluster.cluster["k8s"].sku_tier == "Free"
    error_message = "development AKS must be on the Free tier"
  }
  assert {
    condition     = azurerm_kubernetes_cluster.cluster["k8s"].default_node_pool[0].zones == null
    error_message = "development AKS must not be zonal"
  }
  assert {
    condition     = alltrue([for p in azurerm_kubernetes_cluster_node_pool.cluster__pool : p.zones == null && p.vm_size == "Standard_B2s"])
    error_message = "development user pools: small VMs, no zones"
  }
  assert {
    condition     = azurerm_postgresql_flexible_server.databases["main"].sku_name == "B_Standard_B1ms"
    error_message = "a small development PostgreSQL server is Burstable B1ms"
  }
  assert {
    condition     = azurerm_mysql_flexible_server.databases["legacy"].sku_name == "B_Standard_B1ms" && azurerm_mysql_flexible_server.databases["legacy"].version == "8.0.21"
    error_message = "a small development MySQL 8.0 server is Burstable B1ms, version 8.0.21"
  }
  assert {
    condition     = length(azurerm_postgresql_flexible_server.databases["main"].high_availability) == 0 && length(azurerm_mysql_flexible_server.databases["legacy"].high_availability) == 0
    error_message = "no high availability in development"
  }
  assert {
    condition     = azurerm_postgresql_flexible_server.databases["main"].geo_redundant_backup_enabled == false
    error_message = "no geo-redundant backups in development"
  }
  assert {
    condition     = azurerm_postgresql_flexible_server.databases["main"].backup_retention_days == 7
    error_message = "backup_retention_days 1 is clamped up to Azure's minimum, 7"
  }
  assert {
    condition     = azurerm_postgresql_flexible_server.databases["main"].storage_mb == 32768 && azurerm_postgresql_flexible_server.databases["main"].public_network_access_enabled == false
    error_message = "20 GB of PostgreSQL storage rounds up to 32 GiB; no public access"
  }
  assert {
    condition     = length(azurerm_management_lock.databases__lock) == 0 && length(azurerm_management_lock.cluster__lock) == 0
    error_message = "no management locks in development"
  }
  assert {
    condition     = azurerm_key_vault.vine[0].purge_protection_enabled == false && azurerm_key_vault.vine[0].soft_delete_retention_days == 7
    error_message = "development Key Vault: no purge protection, 7 days of soft delete"
  }
  assert {
    condition     = azurerm_redis_cache.caches["sessions"].sku_name == "Basic" && azurerm_redis_cache.caches["sessions"].capacity == 0 && azurerm_redis_cache.caches["sessions"].zones == null
    error_message = "a small single-node development cache is Basic C0"
  }
  assert {
    condition     = azurerm_container_registry.container_registries["apps"].sku == "Basic"
    error_message = "development registry is Basic"
  }
  assert {
    condition     = length(azurerm_nat_gateway.network__nat) == 1 && azurerm_nat_gateway.network__nat["net/0"].zones == null
    error_message = "nat_gateway single: one NAT gateway, not pinned to a zone"
  }
  assert {
    condition     = azurerm_kubernetes_cluster.cluster["k8s"].network_profile[0].outbound_type == "userAssignedNATGateway"
    error_message = "AKS leaves through the vine's NAT gateway"
  }
  assert {
    condition     = azurerm_servicebus_namespace.vine[0].sku == "Standard" && azurerm_servicebus_namespace.vine[0].local_auth_enabled == false
    error_message = "Service Bus Standard, Entra ID only"
  }
  assert {
    condition     = contains(keys(azurerm_cosmosdb_account.vine), "serverless") && length(azurerm_cosmosdb_account.vine["serverless"].capabilities) == 1
    error_message = "on_demand tables live in the serverless Cosmos DB account"
  }
  assert {
    condition     = azurerm_cosmosdb_account.vine["serverless"].backup[0].type == "Periodic"
    error_message = "no continuous backup without point_in_time_recovery"
  }
  assert {
    condition     = output.network["net"].nat_gateways != null && length(output.network["net"].availability_zones) == 0
    error_message = "development network is not zonal"
  }
}

run "production_is_zonal_highly_available_and_locked" {
  command = plan

  variables {
    stage       = "production"
    name_prefix = "acme-shop-prod"
    network     = { name = "net", resource_name = "acme-shop-prod-net", cidr_block = "10.0.0.0/16", az_count = 3, nat_gateway = "per_az", existing_network_id = null }
    cluster     = { name = "k8s", resource_name = "acme-shop-prod-k8s", kubernetes_version = "1.31", node_size = "large", node_min = 3, node_max = 10, argocd_enabled = true }
    databases = {
      main   = { name = "main", resource_name = "acme-shop-prod-db-main", engine = "postgres", engine_version = "16", size = "large", storage_gb = 100, high_availability = true, backup_retention_days = 30 }
      legacy = { name = "legacy", resource_name = "acme-shop-prod-db-legacy", engine = "mysql", engine_version = "8.0", size = "small", storage_gb = 100, high_availability = true, backup_retention_days = 40 }
    }
    caches       = { sessions = { name = "sessions", resource_name = "acme-shop-prod-cache-sessions", engine = "redis", size = "large", node_count = 2, high_availability = true } }
    nosql_tables = { carts = { name = "carts", resource_name = "acme-shop-prod-nosql-carts", partition_key = "pk", sort_key = "sk", billing_mode = "provisioned", ttl_attribute = "ttl", point_in_time_recovery = true } }
    secrets      = { api = { name = "api", resource_name = "acme-shop-prod-secret-api", description = "API key", generate_length = 32, recovery_window_days = 30 } }
  }

  assert {
    condition     = azurerm_kubernetes_cluster.cluster["k8s"].sku_tier == "Standard"
    error_message = "production AKS is on the Standard tier (uptime SLA)"
  }
  assert {
    condition     = toset(azurerm_kubernetes_cluster.cluster["k8s"].default_node_pool[0].zones) == toset(["1", "2", "3"])
    error_message = "production system pool spans zones 1-3"
  }
  assert {
    condition     = length(azurerm_kubernetes_cluster_node_pool.cluster__pool) == 3 && toset(azurerm_kubernetes_cluster_node_pool.cluster__pool["k8s/2"].zones) == toset(["3"]) && azurerm_kubernetes_cluster_node_pool.cluster__pool["k8s/0"].vm_size == "Standard_D4s_v5"
    error_message = "production: one large user pool per zone"
  }
  assert {
    condition     = azurerm_kubernetes_cluster_node_pool.cluster__pool["k8s/0"].min_count == 1 && azurerm_kubernetes_cluster_node_pool.cluster__pool["k8s/0"].max_count == 4
    error_message = "node_min 3 / node_max 10 over three pools: 1..4 each"
  }
  assert {
    condition     = azurerm_postgresql_flexible_server.databases["main"].sku_name == "GP_Standard_D4ds_v5" && azurerm_postgresql_flexible_server.databases["main"].high_availability[0].mode == "ZoneRedundant"
    error_message = "a large HA PostgreSQL server is General Purpose D4ds v5, zone redundant"
  }
  assert {
    condition     = azurerm_mysql_flexible_server.databases["legacy"].sku_name == "GP_Standard_D2ds_v4" && azurerm_mysql_flexible_server.databases["legacy"].high_availability[0].mode == "ZoneRedundant"
    error_message = "a small HA MySQL server moves off Burstable (no HA there)"
  }
  assert {
    condition     = azurerm_postgresql_flexible_server.databases["main"].geo_redundant_backup_enabled && azurerm_mysql_flexible_server.databases["legacy"].geo_redundant_backup_enabled
    error_message = "production backups are geo-redundant"
  }
  assert {
    condition     = azurerm_mysql_flexible_server.databases["legacy"].backup_retention_days == 35
    error_message = "backup_retention_days 40 is clamped to Azure's maximum, 35"
  }
  assert {
    condition     = length(azurerm_management_lock.databases__lock) == 2 && alltrue([for l in azurerm_management_lock.databases__lock : l.lock_level == "CanNotDelete"])
    error_message = "production databases carry a CanNotDelete lock"
  }
  assert {
    condition     = azurerm_management_lock.cluster__lock["k8s"].lock_level == "CanNotDelete"
    error_message = "the production cluster carries a CanNotDelete lock"
  }
  assert {
    condition     = azurerm_key_vault.vine[0].purge_protection_enabled && azurerm_key_vault.vine[0].soft_delete_retention_days == 30
    error_message = "production Key Vault: purge protection, 30 days of soft delete"
  }
  assert {
    condition     = length(azurerm_nat_gateway.network__nat) == 3 && toset(azurerm_nat_gateway.network__nat["net/1"].zones) == toset(["2"]) && toset(azurerm_public_ip.network__nat["net/1"].zones) == toset(["2"])
    error_message = "per_az: one NAT gateway and public IP per zone"
  }
  assert {
    condition     = azurerm_subnet_nat_gateway_association.network__nat["net/2"] != null && length(azurerm_subnet_nat_gateway_association.network__nat) == 3
    error_message = "each node subnet uses its zone's NAT gateway"
  }
  assert {
    condition     = azurerm_redis_cache.caches["sessions"].sku_name == "Premium" && azurerm_redis_cache.caches["sessions"].capacity == 2 && toset(azurerm_redis_cache.caches["sessions"].zones) == toset(["1", "2", "3"])
    error_message = "an HA production cache is Premium P2 across zones"
  }
  assert {
    condition     = azurerm_container_registry.container_registries["apps"].sku == "Premium" && azurerm_container_registry.container_registries["apps"].zone_redundancy_enabled
    error_message = "production registry is Premium, zone redundant"
  }
  assert {
    condition     = azurerm_cosmosdb_account.vine["provisioned"].backup[0].type == "Continuous" && one(azurerm_cosmosdb_account.vine["provisioned"].geo_location).zone_redundant == true
    error_message = "point_in_time_recovery: continuous backup; production provisioned account zone redundant"
  }
  assert {
    condition     = azurerm_cosmosdb_sql_container.nosql_tables["carts"].throughput == 400 && azurerm_cosmosdb_sql_container.nosql_tables["carts"].default_ttl == -1 && length(azurerm_cosmosdb_sql_container.nosql_tables["carts"].unique_key) == 1
    error_message = "provisioned table: 400 RU/s, TTL on, sort key unique"
  }
  assert {
    condition     = tolist(output.network["net"].availability_zones) == tolist(["1", "2", "3"])
    error_message = "production network reports its zones"
  }
}

run "no_nat_gateway" {
  command = plan

  variables {
    network = { name = "net", resource_name = "acme-shop-dev-net", cidr_block = "10.0.0.0/16", az_count = 2, nat_gateway = "none", existing_network_id = null }
  }

  assert {
    condition     = length(azurerm_nat_gateway.network__nat) == 0 && length(azurerm_public_ip.network__nat) == 0 && length(azurerm_subnet_nat_gateway_association.network__nat) == 0
    error_message = "nat_gateway none: no NAT gateway, public IP or association"
  }
  assert {
    condition     = azurerm_kubernetes_cluster.cluster["k8s"].network_profile[0].outbound_type == "loadBalancer"
    error_message = "without NAT, AKS leaves through its load balancer"
  }
  assert {
    condition     = length(azurerm_subnet.network__private) == 2
    error_message = "one node subnet per az_count"
  }
}
