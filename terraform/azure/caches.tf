# caches: Azure Cache for Redis, reached only through a private endpoint in the vine's network
# (TLS 1.2, port 6380; the plain port is off). valkey is served by Redis (same protocol); memcached
# has no managed service on Azure and is refused.
#
# Tier from high_availability and node_count (primary + replicas):
#   1 node, no HA           Basic     (C family, single node, no SLA)
#   2 nodes, no HA          Standard  (C family, primary + replica)
#   HA, or more than 2      Premium   (P family; zones 1-3 in production):
#                           up to 4 nodes: one primary and node_count-1 replicas (at least 1);
#                           more: a cluster of ceil(node_count/2) shards (max 10) of primary + replica.

variable "caches" {
  type    = any
  default = {}
}

locals {
  caches = merge(var.caches)
  cache = {
    for k, c in local.caches : k => {
      engine   = try(c.engine, "redis")
      size     = try(c.size, "small")
      premium  = try(c.high_availability, false) || try(c.node_count, 1) > 2
      sku      = try(c.high_availability, false) || try(c.node_count, 1) > 2 ? "Premium" : (try(c.node_count, 1) >= 2 ? "Standard" : "Basic")
      family   = try(c.high_availability, false) || try(c.node_count, 1) > 2 ? "P" : "C"
      capacity = try(c.high_availability, false) || try(c.node_count, 1) > 2 ? local.sizes.redis_p[try(c.size, "small")] : local.sizes.redis_c[try(c.size, "small")]
      shards   = (try(c.high_availability, false) || try(c.node_count, 1) > 2) && try(c.node_count, 1) > 4 ? min(ceil(try(c.node_count, 1) / 2), 10) : null
      replicas = (try(c.high_availability, false) || try(c.node_count, 1) > 2) ? (try(c.node_count, 1) > 4 ? 1 : max(try(c.node_count, 1) - 1, 1)) : null
      name     = local.unique_name["caches/${k}"]
    }
  }
  # The nodes Azure runs for each cache (what node_count becomes).
  cache_nodes = {
    for k, c in local.cache : k => c.premium ? coalesce(c.shards, 1) * (1 + c.replicas) : (c.sku == "Standard" ? 2 : 1)
  }
}

resource "azurerm_private_dns_zone" "redis" {
  count               = local.any_cache && local.has_network ? 1 : 0
  name                = "privatelink.redis.cache.windows.net"
  resource_group_name = azurerm_resource_group.vine.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "redis" {
  count                 = length(azurerm_private_dns_zone.redis)
  name                  = "${var.name_prefix}-redis"
  resource_group_name   = azurerm_resource_group.vine.name
  private_dns_zone_name = azurerm_private_dns_zone.redis[0].name
  virtual_network_id    = local.vnet_id
  registration_enabled  = false
  tags                  = local.tags
}

resource "azurerm_redis_cache" "caches" {
  for_each                      = local.cache
  name                          = each.value.name
  location                      = azurerm_resource_group.vine.location
  resource_group_name           = azurerm_resource_group.vine.name
  sku_name                      = each.value.sku
  family                        = each.value.family
  capacity                      = each.value.capacity
  shard_count                   = each.value.shards
  replicas_per_primary          = each.value.replicas
  zones                         = each.value.premium && local.production ? ["1", "2", "3"] : null
  redis_version                 = "6"
  minimum_tls_version           = "1.2"
  non_ssl_port_enabled          = false
  public_network_access_enabled = false
  tags                          = local.tags

  redis_configuration {
    maxmemory_policy = "volatile-lru"
  }

  lifecycle {
    precondition {
      condition     = each.value.engine != "memcached"
      error_message = "caches/${each.key}: engine = \"memcached\" is not available on Azure, which has no managed Memcached service. Set the cache's engine setting to \"redis\" or \"valkey\" (both are served by Azure Cache for Redis)."
    }
    precondition {
      condition     = local.has_endpoint_subnet
      error_message = "caches/${each.key}: the cache is reached only through a private endpoint in the vine's network. Add a network component to the vine."
    }
  }
}

resource "azurerm_private_endpoint" "caches__endpoint" {
  for_each            = { for k, c in local.cache : k => c if local.has_network }
  name                = "${local.rn["caches/${each.key}"]}-endpoint"
  location            = azurerm_resource_group.vine.location
  resource_group_name = azurerm_resource_group.vine.name
  subnet_id           = local.endpoint_subnet_id
  tags                = local.tags

  private_service_connection {
    name                           = "${local.rn["caches/${each.key}"]}-redis"
    private_connection_resource_id = azurerm_redis_cache.caches[each.key].id
    subresource_names              = ["redisCache"]
    is_manual_connection           = false
  }

  private_dns_zone_group {
    name                 = "redis"
    private_dns_zone_ids = [azurerm_private_dns_zone.redis[0].id]
  }
}

output "caches" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, c in local.cache : k => {
      id         = azurerm_redis_cache.caches[k].id
      arn        = azurerm_redis_cache.caches[k].id
      host       = azurerm_redis_cache.caches[k].hostname
      port       = azurerm_redis_cache.caches[k].ssl_port
      endpoint   = "${azurerm_redis_cache.caches[k].hostname}:${azurerm_redis_cache.caches[k].ssl_port}"
      url        = "rediss://${azurerm_redis_cache.caches[k].hostname}:${azurerm_redis_cache.caches[k].ssl_port}"
      engine     = c.engine
      node_type  = "${c.sku} ${c.family}${c.capacity}"
      node_count = local.cache_nodes[k]
    }
  }
}
