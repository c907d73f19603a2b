# Azure has no managed Memcached: a memcached cache is refused with a message naming the setting.

mock_provider "azurerm" {}
mock_provider "helm" {}
mock_provider "random" {}

variables {
  vineyard    = "Acme"
  vine        = "Shop"
  stage       = "development"
  name_prefix = "acme-shop-dev"
  region      = "eastus"
  network     = { name = "net", resource_name = "acme-shop-dev-net", cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = null }
  caches      = { mc = { name = "mc", resource_name = "acme-shop-dev-cache-mc", engine = "memcached", size = "small", node_count = 1, high_availability = false } }
}

run "memcached_is_refused" {
  command         = plan
  expect_failures = [azurerm_redis_cache.caches]
}

run "a_cache_needs_the_network" {
  command = plan

  variables {
    network = null
    caches  = { kv = { name = "kv", resource_name = "acme-shop-dev-cache-kv", engine = "redis", size = "small", node_count = 1, high_availability = false } }
  }

  expect_failures = [azurerm_redis_cache.caches]
}

run "a_database_needs_the_network" {
  command = plan

  variables {
    network   = null
    caches    = {}
    databases = { main = { name = "main", resource_name = "acme-shop-dev-db-main", engine = "postgres", engine_version = "16", size = "small", storage_gb = 20, high_availability = false, backup_retention_days = 1 } }
  }

  expect_failures = [azurerm_postgresql_flexible_server.databases]
}

run "a_small_vnet_is_refused" {
  command = plan

  variables {
    network = { name = "net", resource_name = "acme-shop-dev-net", cidr_block = "10.0.0.0/26", az_count = 1, nat_gateway = "single", existing_network_id = null }
    caches  = {}
  }

  expect_failures = [azurerm_virtual_network.network]
}

run "topics_subscribe_to_the_vines_queues_only" {
  command = plan

  variables {
    caches = {}
    topics = { events = { name = "events", resource_name = "acme-shop-dev-topic-events", fifo = false, subscribe_queues = ["nope"] } }
  }

  expect_failures = [azurerm_servicebus_topic.topics]
}
