# caches: ElastiCache. Redis and Valkey: a replication group (a primary and node_count - 1
# replicas; automatic failover and Multi-AZ when high_availability), encrypted in transit and at
# rest. Memcached: a cluster of node_count nodes (across zones when high_availability), encrypted
# in transit. Private subnets, reachable from the VPC only.

variable "caches" {
  type    = any
  default = {}
  validation {
    condition     = try(length(var.caches), 0) == 0 || var.network != null
    error_message = "caches: the vine needs a network (ElastiCache runs in its private subnets)."
  }
}

locals {
  caches           = merge(var.caches)
  cache_engine     = { for k, c in local.caches : k => try(c.engine, "redis") }
  cache_port       = { for k, c in local.caches : k => local.cache_engine[k] == "memcached" ? 11211 : 6379 }
  cache_replicated = { for k, c in local.caches : k => c if local.cache_engine[k] != "memcached" }
  cache_memcached  = { for k, c in local.caches : k => c if local.cache_engine[k] == "memcached" }
  # Failover needs a replica: high availability means two nodes at least.
  cache_nodes = {
    for k, c in local.caches : k => try(c.high_availability, false) ? max(try(c.node_count, 1), 2) : try(c.node_count, 1)
  }
}

resource "aws_elasticache_subnet_group" "caches" {
  for_each    = local.caches
  name        = local.name["caches/${each.key}"]["63"]
  description = "Vintner cache ${each.key}"
  subnet_ids  = local.private_subnet_ids

  lifecycle {
    precondition {
      condition     = local.vpc_id != null && length(local.private_subnet_ids) > 0
      error_message = "caches: the vine needs a network with private subnets."
    }
  }
}

resource "aws_security_group" "caches" {
  for_each    = local.caches
  name        = "${local.name["caches/${each.key}"]["63"]}-cache"
  description = "Vintner cache ${each.key}: ${local.cache_engine[each.key]} from inside the VPC only"
  vpc_id      = local.vpc_id
  tags        = { Name = "${local.name["caches/${each.key}"]["63"]}-cache" }
}

resource "aws_vpc_security_group_ingress_rule" "caches" {
  for_each          = local.caches
  security_group_id = aws_security_group.caches[each.key].id
  description       = "${local.cache_engine[each.key]} from the VPC"
  ip_protocol       = "tcp"
  from_port         = local.cache_port[each.key]
  to_port           = local.cache_port[each.key]
  cidr_ipv4         = local.vpc_cidr
}

resource "aws_elasticache_replication_group" "caches" {
  for_each             = local.cache_replicated
  replication_group_id = local.name["caches/${each.key}"]["40"]
  description          = "Vintner cache ${each.key}"
  engine               = local.cache_engine[each.key]
  node_type            = local.sizes.cache[try(each.value.size, "small")]
  num_cache_clusters   = local.cache_nodes[each.key]
  port                 = 6379

  automatic_failover_enabled = local.cache_nodes[each.key] >= 2 && try(each.value.high_availability, false)
  multi_az_enabled           = local.cache_nodes[each.key] >= 2 && try(each.value.high_availability, false)

  subnet_group_name  = aws_elasticache_subnet_group.caches[each.key].name
  security_group_ids = [aws_security_group.caches[each.key].id]

  at_rest_encryption_enabled = "true"
  transit_encryption_enabled = true
  auto_minor_version_upgrade = "true"
  apply_immediately          = !local.is_production
  # Production keeps a week of daily snapshots; the other stages none.
  snapshot_retention_limit = local.is_production ? 7 : 0
}

resource "aws_elasticache_cluster" "caches" {
  for_each        = local.cache_memcached
  cluster_id      = local.name["caches/${each.key}"]["40"]
  engine          = "memcached"
  node_type       = local.sizes.cache[try(each.value.size, "small")]
  num_cache_nodes = local.cache_nodes[each.key]
  az_mode         = local.cache_nodes[each.key] > 1 && try(each.value.high_availability, false) ? "cross-az" : "single-az"
  port            = 11211

  subnet_group_name          = aws_elasticache_subnet_group.caches[each.key].name
  security_group_ids         = [aws_security_group.caches[each.key].id]
  transit_encryption_enabled = true
  apply_immediately          = !local.is_production
}

output "caches" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = merge(
    {
      for k, c in local.cache_replicated : k => {
        id         = aws_elasticache_replication_group.caches[k].id
        arn        = aws_elasticache_replication_group.caches[k].arn
        host       = aws_elasticache_replication_group.caches[k].primary_endpoint_address
        port       = aws_elasticache_replication_group.caches[k].port
        endpoint   = "${aws_elasticache_replication_group.caches[k].primary_endpoint_address}:${aws_elasticache_replication_group.caches[k].port}"
        url        = "rediss://${aws_elasticache_replication_group.caches[k].primary_endpoint_address}:${aws_elasticache_replication_group.caches[k].port}"
        engine     = local.cache_engine[k]
        node_type  = aws_elasticache_replication_group.caches[k].node_type
        node_count = local.cache_nodes[k]
      }
    },
    {
      for k, c in local.cache_memcached : k => {
        id         = aws_elasticache_cluster.caches[k].id
        arn        = aws_elasticache_cluster.caches[k].arn
        host       = aws_elasticache_cluster.caches[k].cluster_address
        port       = aws_elasticache_cluster.caches[k].port
        endpoint   = aws_elasticache_cluster.caches[k].configuration_endpoint
        url        = "memcache://${aws_elasticache_cluster.caches[k].configuration_endpoint}"
        engine     = "memcached"
        node_type  = aws_elasticache_cluster.caches[k].node_type
        node_count = local.cache_nodes[k]
      }
    },
  )
}
