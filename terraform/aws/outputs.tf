# What each component exposes: exactly the contract's keys per kind (terraform/CONTRACT.md), null
# where AWS has no equivalent. No secret value is output.
locals {
  dns_suffix = data.aws_partition.current.dns_suffix

  out_network = merge(
    {
      for k, c in local.network_create : "network/${k}" => {
        id                 = aws_vpc.network[k].id
        arn                = aws_vpc.network[k].arn
        name               = local.rn["network/${k}"]
        cidr_block         = aws_vpc.network[k].cidr_block
        availability_zones = [for key, s in local.private_subnets : aws_subnet.network__private[key].availability_zone if s.network == k]
        private_subnets    = [for key, s in local.private_subnets : aws_subnet.network__private[key].id if s.network == k]
        public_subnets     = [for key, s in local.public_subnets : aws_subnet.network__public[key].id if s.network == k]
        nat_gateways       = local.nat_count[k]
      }
    },
    {
      for k, c in local.network_adopt : "network/${k}" => {
        id         = data.aws_vpc.network[k].id
        arn        = data.aws_vpc.network[k].arn
        name       = try(data.aws_vpc.network[k].tags["Name"], data.aws_vpc.network[k].id)
        cidr_block = data.aws_vpc.network[k].cidr_block
        availability_zones = distinct([
          for key, s in data.aws_subnet.network__private : s.availability_zone if startswith(key, "${k}/")
        ])
        private_subnets = data.aws_subnets.network__private[k].ids
        public_subnets  = data.aws_subnets.network__public[k].ids
        nat_gateways    = length(data.aws_nat_gateways.network[k].ids)
      }
    },
  )

  out_cluster = {
    for k, c in local.cluster : "cluster/${k}" => {
      id                 = aws_eks_cluster.cluster[k].id
      arn                = aws_eks_cluster.cluster[k].arn
      name               = aws_eks_cluster.cluster[k].name
      endpoint           = aws_eks_cluster.cluster[k].endpoint
      kubernetes_version = aws_eks_cluster.cluster[k].version
      node_instance_type = local.sizes.node[try(c.node_size, "small")]
      node_min           = c.node_min
      node_max           = c.node_max
      oidc_issuer_url    = aws_eks_cluster.cluster[k].identity[0].oidc[0].issuer
      # Argo CD is not exposed outside the cluster: kubectl -n argocd port-forward svc/argocd-server.
      argocd_url = try(c.argocd_enabled, false) ? "https://argocd-server.${helm_release.cluster__argocd[k].namespace}.svc.cluster.local" : null
    }
  }

  out_dns = merge(
    {
      for k, c in local.dns_create : "dns/${k}" => {
        zone_id      = aws_route53_zone.dns[k].zone_id
        arn          = aws_route53_zone.dns[k].arn
        domain_name  = c.domain_name
        private_zone = try(c.private_zone, false)
        name_servers = aws_route53_zone.dns[k].name_servers
      }
    },
    {
      for k, c in local.dns_adopt : "dns/${k}" => {
        zone_id      = data.aws_route53_zone.dns[k].zone_id
        arn          = data.aws_route53_zone.dns[k].arn
        domain_name  = trimsuffix(data.aws_route53_zone.dns[k].name, ".")
        private_zone = data.aws_route53_zone.dns[k].private_zone
        name_servers = data.aws_route53_zone.dns[k].name_servers
      }
    },
  )

  out_repositories = {
    for k, c in local.repositories : "repositories/${k}" => {
      # null until the vine has a cluster running Argo CD (nothing is created before).
      argocd_application = contains(keys(local.repositories_deployed), k) ? local.name["repositories/${k}"]["53"] : null
      repo_url           = try(c.repo_url, null)
      branch             = try(c.branch, null)
      path               = try(c.path, null)
      sync_policy        = try(c.sync_policy, null)
    }
  }

  out_databases = {
    for k, c in local.databases : "databases/${k}" => {
      id              = aws_db_instance.databases[k].identifier
      arn             = aws_db_instance.databases[k].arn
      host            = aws_db_instance.databases[k].address
      port            = aws_db_instance.databases[k].port
      endpoint        = aws_db_instance.databases[k].endpoint
      reader_host     = null # Multi-AZ's standby takes no reads; there is no reader endpoint
      engine          = aws_db_instance.databases[k].engine
      engine_version  = aws_db_instance.databases[k].engine_version_actual
      instance_class  = aws_db_instance.databases[k].instance_class
      storage_gb      = aws_db_instance.databases[k].allocated_storage
      database_name   = aws_db_instance.databases[k].db_name
      username        = aws_db_instance.databases[k].username
      password_secret = aws_db_instance.databases[k].master_user_secret[0].secret_arn
      url = format("%s://%s@%s:%d/%s",
        try(c.engine, "postgres") == "mysql" ? "mysql" : "postgres",
        aws_db_instance.databases[k].username,
        aws_db_instance.databases[k].address,
        aws_db_instance.databases[k].port,
        aws_db_instance.databases[k].db_name,
      )
    }
  }

  out_caches = merge(
    {
      for k, c in local.cache_replicated : "caches/${k}" => {
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
      for k, c in local.cache_memcached : "caches/${k}" => {
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

  out_queues = {
    for k, c in local.queues : "queues/${k}" => {
      name            = aws_sqs_queue.queues[k].name
      arn             = aws_sqs_queue.queues[k].arn
      url             = aws_sqs_queue.queues[k].url
      fifo            = try(c.fifo, false)
      dead_letter_arn = try(c.dead_letter, false) ? aws_sqs_queue.queues__dlq[k].arn : null
    }
  }

  out_topics = {
    for k, c in local.topics : "topics/${k}" => {
      name          = aws_sns_topic.topics[k].name
      arn           = aws_sns_topic.topics[k].arn
      subscriptions = [for key, s in aws_sns_topic_subscription.topics__subscription : s.arn if startswith(key, "${k}/")]
    }
  }

  out_nosql_tables = {
    for k, c in local.nosql_tables : "nosql_tables/${k}" => {
      name          = aws_dynamodb_table.nosql_tables[k].name
      arn           = aws_dynamodb_table.nosql_tables[k].arn
      endpoint      = "https://dynamodb.${var.region}.${local.dns_suffix}"
      partition_key = aws_dynamodb_table.nosql_tables[k].hash_key
      sort_key      = try(c.sort_key, null)
      billing_mode  = try(c.billing_mode, null)
    }
  }

  out_registries = {
    for k, c in local.registries : "container_registries/${k}" => {
      name           = aws_ecr_repository.container_registries[k].name
      arn            = aws_ecr_repository.container_registries[k].arn
      repository_url = aws_ecr_repository.container_registries[k].repository_url
      immutable_tags = try(c.immutable_tags, false)
    }
  }

  out_secrets = {
    for k, c in local.secrets : "secrets/${k}" => {
      name         = aws_secretsmanager_secret.secrets[k].name
      arn          = aws_secretsmanager_secret.secrets[k].arn
      value_source = contains(local.secret_user_values, k) ? "user" : "generated"
    }
  }
}

output "name_prefix" {
  value = var.name_prefix
}

output "components" {
  description = "\"<kind>/<name>\" → that component's outputs (endpoints, ARNs, ports, URLs); nothing secret."
  value = merge(
    local.out_network, local.out_cluster, local.out_dns, local.out_repositories,
    local.out_databases, local.out_caches, local.out_queues, local.out_topics,
    local.out_nosql_tables, local.out_registries, local.out_secrets,
  )
}
