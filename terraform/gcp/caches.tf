# caches, by engine:
#  redis     → Memorystore for Redis (BASIC, or STANDARD_HA when high_availability), private service
#              access, TLS (SERVER_AUTHENTICATION) and AUTH on; node_count = primary + replicas;
#  valkey    → Memorystore for Valkey (google_memorystore_instance, cluster mode disabled, one shard,
#              node_count − 1 replicas, multi-zone when high_availability), reached through Private
#              Service Connect endpoints Google creates under the network's connection policy;
#  memcached → Memorystore for Memcached, node_count nodes, spread over the vine's zones when
#              high_availability.

variable "caches" {
  type    = any
  default = {}
}

locals {
  caches          = merge(var.caches)
  cache_engine    = { for k, c in local.caches : k => try(c.engine, "redis") }
  cache_redis     = { for k, c in local.caches : k => c if local.cache_engine[k] == "redis" }
  cache_valkey    = { for k, c in local.caches : k => c if local.cache_engine[k] == "valkey" }
  cache_memcached = { for k, c in local.caches : k => c if local.cache_engine[k] == "memcached" }
  any_valkey      = length(local.cache_valkey) > 0

  cache_ha    = { for k, c in local.caches : k => try(c.high_availability, false) }
  cache_nodes = { for k, c in local.caches : k => try(c.node_count, 1) }
  cache_size  = { for k, c in local.caches : k => try(c.size, "small") }
  # Memorystore for Redis and Memcached instance ids: at most 40 characters.
  cache_name40 = {
    for k, c in local.caches : k => length(local.rn["caches/${k}"]) <= 40 ? local.rn["caches/${k}"] : "${replace(substr(local.rn["caches/${k}"], 0, 35), "/-+$/", "")}-${substr(sha1(local.rn["caches/${k}"]), 0, 4)}"
  }
  redis_read_replicas = { for k, c in local.cache_redis : k => local.cache_ha[k] && local.cache_nodes[k] > 2 }
}

resource "google_redis_instance" "caches" {
  for_each       = local.cache_redis
  name           = local.cache_name40[each.key]
  display_name   = "Vintner ${var.name_prefix}: caches/${each.key}"
  region         = var.region
  tier           = local.cache_ha[each.key] ? "STANDARD_HA" : "BASIC"
  memory_size_gb = local.sizes.redis_memory_gb[local.cache_size[each.key]]
  redis_version  = "REDIS_7_2"

  connect_mode            = "PRIVATE_SERVICE_ACCESS"
  authorized_network      = try(local.vpc.id, null)
  transit_encryption_mode = "SERVER_AUTHENTICATION"
  auth_enabled            = true

  # STANDARD_HA: node_count − 1 replicas (read replicas beyond one); BASIC: the service's defaults.
  replica_count      = local.cache_ha[each.key] ? max(1, local.cache_nodes[each.key] - 1) : null
  read_replicas_mode = local.cache_ha[each.key] ? (local.redis_read_replicas[each.key] ? "READ_REPLICAS_ENABLED" : "READ_REPLICAS_DISABLED") : null

  persistence_config {
    persistence_mode    = local.production ? "RDB" : "DISABLED"
    rdb_snapshot_period = local.production ? "TWELVE_HOURS" : null
  }

  maintenance_policy {
    weekly_maintenance_window {
      day = "SUNDAY"
      start_time {
        hours   = 3
        minutes = 0
      }
    }
  }

  labels     = local.component_labels["caches/${each.key}"]
  depends_on = [google_service_networking_connection.network__psa]

  lifecycle {
    precondition {
      condition     = local.vpc != null
      error_message = "caches/${each.key}: Memorystore takes a private IP in the vine's network: add the network component."
    }
    precondition {
      condition     = local.cache_ha[each.key] || local.cache_nodes[each.key] == 1
      error_message = "caches/${each.key}: a Redis cache without high availability is one node (BASIC tier): set node_count = 1 or enable high_availability."
    }
    precondition {
      condition     = local.cache_nodes[each.key] <= 6 && (!local.redis_read_replicas[each.key] || local.sizes.redis_memory_gb[local.cache_size[each.key]] >= 5)
      error_message = "caches/${each.key}: Memorystore for Redis has at most 5 replicas, and more than one (read replicas) needs 5 GB or more (size medium or larger)."
    }
  }
}

resource "google_memorystore_instance" "caches" {
  for_each       = local.cache_valkey
  instance_id    = local.rn["caches/${each.key}"]
  location       = var.region
  mode           = "CLUSTER_DISABLED"
  shard_count    = 1
  replica_count  = local.cache_nodes[each.key] - 1
  node_type      = local.sizes.valkey_node_type[local.cache_size[each.key]]
  engine_version = "VALKEY_8_0"

  authorization_mode          = "AUTH_DISABLED"
  transit_encryption_mode     = "SERVER_AUTHENTICATION"
  deletion_protection_enabled = local.production

  zone_distribution_config {
    mode = local.cache_ha[each.key] ? "MULTI_ZONE" : "SINGLE_ZONE"
    zone = local.cache_ha[each.key] ? null : try(local.zones[0], null)
  }

  desired_auto_created_endpoints {
    network    = try(local.vpc.id, "")
    project_id = local.project
  }

  labels     = local.component_labels["caches/${each.key}"]
  depends_on = [google_network_connectivity_service_connection_policy.network__memorystore]

  lifecycle {
    precondition {
      condition     = local.vpc != null
      error_message = "caches/${each.key}: Memorystore for Valkey is reached from the vine's network: add the network component."
    }
    precondition {
      condition     = !local.cache_ha[each.key] || local.cache_nodes[each.key] >= 2
      error_message = "caches/${each.key}: high availability needs a replica: node_count ≥ 2."
    }
    precondition {
      condition     = local.cache_nodes[each.key] >= 1 && local.cache_nodes[each.key] <= 6
      error_message = "caches/${each.key}: Memorystore for Valkey has one primary and at most 5 replicas (node_count 1–6)."
    }
  }
}

resource "google_memcache_instance" "caches" {
  for_each           = local.cache_memcached
  name               = local.cache_name40[each.key]
  display_name       = "Vintner ${var.name_prefix}: caches/${each.key}"
  region             = var.region
  authorized_network = try(local.vpc.id, null)
  memcache_version   = "MEMCACHE_1_6_15"
  node_count         = local.cache_nodes[each.key]
  zones              = local.cache_ha[each.key] ? local.zones : slice(local.zones, 0, min(1, length(local.zones)))

  node_config {
    cpu_count      = local.sizes.memcache_node[local.cache_size[each.key]].cpu_count
    memory_size_mb = local.sizes.memcache_node[local.cache_size[each.key]].memory_size_mb
  }

  labels     = local.component_labels["caches/${each.key}"]
  depends_on = [google_service_networking_connection.network__psa]

  lifecycle {
    precondition {
      condition     = local.vpc != null
      error_message = "caches/${each.key}: Memorystore takes a private IP in the vine's network: add the network component."
    }
  }
}

locals {
  # Valkey: the primary endpoint's address (cluster mode disabled).
  valkey_connections = {
    for k, c in local.cache_valkey : k => flatten([
      for e in google_memorystore_instance.caches[k].endpoints : [
        for cn in e.connections : cn.psc_auto_connection
      ]
    ])
  }
  valkey_primary = {
    for k, c in local.cache_valkey : k => try(
      [for p in local.valkey_connections[k] : p if p.connection_type == "CONNECTION_TYPE_PRIMARY"][0],
      local.valkey_connections[k][0],
      { ip_address = null, port = 6379 },
    )
  }
}

output "caches" {
  description = "\"<name>\" → the cache's outputs (terraform/CONTRACT.md)."
  value = merge(
    {
      for k, c in local.cache_redis : k => {
        id         = google_redis_instance.caches[k].name
        arn        = google_redis_instance.caches[k].id
        host       = google_redis_instance.caches[k].host
        port       = google_redis_instance.caches[k].port
        endpoint   = "${google_redis_instance.caches[k].host}:${google_redis_instance.caches[k].port}"
        url        = "rediss://${google_redis_instance.caches[k].host}:${google_redis_instance.caches[k].port}"
        engine     = "redis"
        node_type  = "${local.cache_ha[k] ? "STANDARD_HA" : "BASIC"}:${local.sizes.redis_memory_gb[local.cache_size[k]]}GB"
        node_count = local.cache_ha[k] ? 1 + max(1, local.cache_nodes[k] - 1) : 1
      }
    },
    {
      for k, c in local.cache_valkey : k => {
        id         = google_memorystore_instance.caches[k].instance_id
        arn        = google_memorystore_instance.caches[k].id
        host       = local.valkey_primary[k].ip_address
        port       = try(tonumber(local.valkey_primary[k].port), 6379)
        endpoint   = "${coalesce(local.valkey_primary[k].ip_address, "unknown")}:${try(tonumber(local.valkey_primary[k].port), 6379)}"
        url        = "rediss://${coalesce(local.valkey_primary[k].ip_address, "unknown")}:${try(tonumber(local.valkey_primary[k].port), 6379)}"
        engine     = "valkey"
        node_type  = google_memorystore_instance.caches[k].node_type
        node_count = local.cache_nodes[k]
      }
    },
    {
      for k, c in local.cache_memcached : k => {
        id         = google_memcache_instance.caches[k].name
        arn        = google_memcache_instance.caches[k].id
        host       = split(":", google_memcache_instance.caches[k].discovery_endpoint)[0]
        port       = 11211
        endpoint   = google_memcache_instance.caches[k].discovery_endpoint
        url        = "memcache://${google_memcache_instance.caches[k].discovery_endpoint}"
        engine     = "memcached"
        node_type  = "${local.sizes.memcache_node[local.cache_size[k]].cpu_count}vcpu-${local.sizes.memcache_node[local.cache_size[k]].memory_size_mb}mb"
        node_count = local.cache_nodes[k]
      }
    },
  )
}
