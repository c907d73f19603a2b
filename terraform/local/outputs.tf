# What each component exposes, shaped like the real clouds' outputs. No secret value is output.
locals {
  hex = { for id, _ in local.all : id => sha1("${var.name_prefix}/${id}") }

  out_network = {
    for k, c in local.network : "network/${k}" => {
      id                 = "vpc-${substr(local.hex["network/${k}"], 0, 17)}"
      arn                = "${local.arn_prefix}:network/${local.rn["network/${k}"]}"
      name               = local.rn["network/${k}"]
      cidr_block         = try(c.cidr_block, null)
      availability_zones = [for i in range(try(c.az_count, 1)) : "local-1${substr("abcdef", i, 1)}"]
      private_subnets    = try([for i in range(c.az_count) : cidrsubnet(c.cidr_block, 4, i)], [])
      public_subnets     = try([for i in range(c.az_count) : cidrsubnet(c.cidr_block, 4, i + 8)], [])
      nat_gateways       = lookup({ none = 0, single = 1 }, try(c.nat_gateway, "single"), try(c.az_count, 1))
      resource_id        = terraform_data.network[k].id
    }
  }
  out_cluster = {
    for k, c in local.cluster : "cluster/${k}" => {
      id                 = local.rn["cluster/${k}"]
      arn                = "${local.arn_prefix}:cluster/${local.rn["cluster/${k}"]}"
      name               = local.rn["cluster/${k}"]
      endpoint           = "https://${local.rn["cluster/${k}"]}.k8s.${local.dns_suffix}:6443"
      kubernetes_version = try(c.kubernetes_version, null)
      node_instance_type = "local.${try(c.node_size, "small")}"
      node_min           = try(c.node_min, null)
      node_max           = try(c.node_max, null)
      oidc_issuer_url    = "https://oidc.${local.dns_suffix}/id/${upper(substr(local.hex["cluster/${k}"], 0, 32))}"
      argocd_url         = try(c.argocd_enabled, false) ? "https://${terraform_data.cluster__argocd[k].output.host}" : null
      resource_id        = terraform_data.cluster[k].id
    }
  }
  out_dns = {
    for k, c in local.dns : "dns/${k}" => {
      zone_id      = "Z${upper(substr(local.hex["dns/${k}"], 0, 20))}"
      arn          = "${local.arn_prefix}:dns/${try(c.domain_name, local.rn["dns/${k}"])}"
      domain_name  = try(c.domain_name, null)
      private_zone = try(c.private_zone, false)
      name_servers = try(c.private_zone, false) ? [] : [for i in range(1, 5) : "ns${i}.${local.dns_suffix}"]
      resource_id  = terraform_data.dns[k].id
    }
  }
  out_repositories = {
    for k, c in local.repositories : "repositories/${k}" => {
      argocd_application = local.rn["repositories/${k}"]
      repo_url           = try(c.repo_url, null)
      branch             = try(c.branch, null)
      path               = try(c.path, null)
      sync_policy        = try(c.sync_policy, null)
      resource_id        = terraform_data.repositories[k].id
    }
  }
  out_databases = {
    for k, c in local.databases : "databases/${k}" => {
      id             = local.rn["databases/${k}"]
      arn            = "${local.arn_prefix}:databases/${local.rn["databases/${k}"]}"
      host           = "${local.rn["databases/${k}"]}.db.${local.dns_suffix}"
      port           = try(c.engine, "postgres") == "mysql" ? 3306 : 5432
      endpoint       = "${local.rn["databases/${k}"]}.db.${local.dns_suffix}:${try(c.engine, "postgres") == "mysql" ? 3306 : 5432}"
      reader_host    = try(c.high_availability, false) ? "${local.rn["databases/${k}"]}.ro.db.${local.dns_suffix}" : null
      engine         = try(c.engine, null)
      engine_version = try(c.engine_version, null)
      instance_class = "db.local.${try(c.size, "small")}"
      storage_gb     = try(c.storage_gb, null)
      database_name  = replace(k, "-", "_")
      username       = "vintner"
      url            = "${try(c.engine, "postgres") == "mysql" ? "mysql" : "postgres"}://vintner@${local.rn["databases/${k}"]}.db.${local.dns_suffix}:${try(c.engine, "postgres") == "mysql" ? 3306 : 5432}/${replace(k, "-", "_")}"
      resource_id    = terraform_data.databases[k].id
    }
  }
  out_caches = {
    for k, c in local.caches : "caches/${k}" => {
      id          = local.rn["caches/${k}"]
      arn         = "${local.arn_prefix}:caches/${local.rn["caches/${k}"]}"
      host        = "${local.rn["caches/${k}"]}.cache.${local.dns_suffix}"
      port        = try(c.engine, "redis") == "memcached" ? 11211 : 6379
      endpoint    = "${local.rn["caches/${k}"]}.cache.${local.dns_suffix}:${try(c.engine, "redis") == "memcached" ? 11211 : 6379}"
      url         = "${try(c.engine, "redis") == "memcached" ? "memcache" : "redis"}://${local.rn["caches/${k}"]}.cache.${local.dns_suffix}:${try(c.engine, "redis") == "memcached" ? 11211 : 6379}"
      engine      = try(c.engine, null)
      node_type   = "cache.local.${try(c.size, "small")}"
      node_count  = try(c.node_count, 1)
      resource_id = terraform_data.caches[k].id
    }
  }
  queue_names = { for k, c in local.queues : k => "${local.rn["queues/${k}"]}${try(c.fifo, false) ? ".fifo" : ""}" }
  out_queues = {
    for k, c in local.queues : "queues/${k}" => {
      name            = local.queue_names[k]
      arn             = "${local.arn_prefix}:queues/${local.queue_names[k]}"
      url             = "https://queue.${local.dns_suffix}/${local.account_id}/${local.queue_names[k]}"
      fifo            = try(c.fifo, false)
      dead_letter_arn = try(c.dead_letter, false) ? "${local.arn_prefix}:queues/${terraform_data.queues__dlq[k].output.name}" : null
      resource_id     = terraform_data.queues[k].id
    }
  }
  out_topics = {
    for k, c in local.topics : "topics/${k}" => {
      name          = local.rn["topics/${k}"]
      arn           = "${local.arn_prefix}:topics/${local.rn["topics/${k}"]}${try(c.fifo, false) ? ".fifo" : ""}"
      subscriptions = [for q in try(c.subscribe_queues, []) : "${local.arn_prefix}:queues/${lookup(local.queue_names, q, q)}"]
      resource_id   = terraform_data.topics[k].id
    }
  }
  out_nosql_tables = {
    for k, c in local.nosql_tables : "nosql_tables/${k}" => {
      name          = local.rn["nosql_tables/${k}"]
      arn           = "${local.arn_prefix}:nosql_tables/${local.rn["nosql_tables/${k}"]}"
      endpoint      = "https://nosql.${local.dns_suffix}"
      partition_key = try(c.partition_key, null)
      sort_key      = try(c.sort_key, null)
      billing_mode  = try(c.billing_mode, null)
      resource_id   = terraform_data.nosql_tables[k].id
    }
  }
  out_registries = {
    for k, c in local.registries : "container_registries/${k}" => {
      name           = local.rn["container_registries/${k}"]
      arn            = "${local.arn_prefix}:container_registries/${local.rn["container_registries/${k}"]}"
      repository_url = "${local.account_id}.registry.${local.dns_suffix}/${local.rn["container_registries/${k}"]}"
      immutable_tags = try(c.immutable_tags, false)
      resource_id    = terraform_data.container_registries[k].id
    }
  }
  out_secrets = {
    for k, c in local.secrets : "secrets/${k}" => {
      name         = local.rn["secrets/${k}"]
      arn          = "${local.arn_prefix}:secrets/${local.rn["secrets/${k}"]}"
      value_source = nonsensitive(contains(keys(var.secret_values), k)) ? "user" : "generated"
      resource_id  = terraform_data.secrets[k].id
    }
  }
}

output "name_prefix" {
  value = var.name_prefix
}

output "components" {
  description = "\"<kind>/<name>\" → that component's outputs (endpoints, ARNs, ports, URLs)."
  value = merge(
    local.out_network, local.out_cluster, local.out_dns, local.out_repositories,
    local.out_databases, local.out_caches, local.out_queues, local.out_topics,
    local.out_nosql_tables, local.out_registries, local.out_secrets,
  )
}
