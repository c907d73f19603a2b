# What each component exposes: exactly the contract's keys per kind (terraform/CONTRACT.md), a value
# Azure has no equivalent for is null. `arn` is the Azure resource id. No secret value is output.
locals {
  out_network = {
    for k, c in local.network : "network/${k}" => {
      id                 = local.vnet_id
      arn                = local.vnet_id
      name               = local.vnet_name
      cidr_block         = local.adopting ? try(local.vnet_cidrs[0], null) : local.cidr
      availability_zones = local.production ? [for i in range(min(length(local.node_subnets), 3)) : local.zone_of[i]] : []
      private_subnets    = [for s in local.node_subnets : s.id]
      # Azure subnets are neither public nor private: outbound goes through the NAT gateway, and
      # inbound only through load balancers.
      public_subnets = []
      nat_gateways   = [for key in sort(keys(azurerm_nat_gateway.network__nat)) : azurerm_nat_gateway.network__nat[key].id]
    }
  }
  out_cluster = {
    for k, c in local.cluster : "cluster/${k}" => {
      id                 = azurerm_kubernetes_cluster.cluster[k].id
      arn                = azurerm_kubernetes_cluster.cluster[k].id
      name               = azurerm_kubernetes_cluster.cluster[k].name
      endpoint           = "https://${azurerm_kubernetes_cluster.cluster[k].fqdn}:443"
      kubernetes_version = try(c.kubernetes_version, null)
      node_instance_type = local.sizes.aks_node[local.node_size]
      node_min           = try(c.node_min, null)
      node_max           = try(c.node_max, null)
      oidc_issuer_url    = azurerm_kubernetes_cluster.cluster[k].oidc_issuer_url
      argocd_url         = try(c.argocd_enabled, false) && local.argocd_ip != null ? "https://${local.argocd_ip}" : null
    }
  }
  out_dns = {
    for k, c in local.dns : "dns/${k}" => {
      zone_id      = local.dns_zones[k].id
      arn          = local.dns_zones[k].id
      domain_name  = local.dns_zones[k].name
      private_zone = try(c.private_zone, false)
      name_servers = local.dns_zones[k].name_servers
    }
  }
  out_repositories = {
    for k, c in local.repositories : "repositories/${k}" => {
      argocd_application = local.argocd_on ? local.rn["repositories/${k}"] : null
      repo_url           = try(c.repo_url, null)
      branch             = try(c.branch, null)
      path               = try(c.path, null)
      sync_policy        = try(c.sync_policy, null)
    }
  }
  out_databases = {
    for k, d in local.db : "databases/${k}" => {
      id              = local.db_servers[k].id
      arn             = local.db_servers[k].id
      host            = local.db_servers[k].fqdn
      port            = d.port
      endpoint        = "${local.db_servers[k].fqdn}:${d.port}"
      reader_host     = null # the HA standby takes no reads
      engine          = d.engine
      engine_version  = d.version
      instance_class  = d.sku
      storage_gb      = d.storage_gb
      database_name   = d.db_name
      username        = "vintner"
      password_secret = azurerm_key_vault_secret.databases__password[k].versionless_id
      url = d.engine == "mysql" ? "mysql://vintner@${local.db_servers[k].fqdn}:3306/${d.db_name}?ssl-mode=REQUIRED" : (
        "postgres://vintner@${local.db_servers[k].fqdn}:5432/${d.db_name}?sslmode=require"
      )
    }
  }
  out_caches = {
    for k, c in local.cache : "caches/${k}" => {
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
  out_queues = {
    for k, c in local.queues : "queues/${k}" => {
      name            = azurerm_servicebus_queue.queues[k].name
      arn             = azurerm_servicebus_queue.queues[k].id
      url             = "${local.servicebus_url}/${azurerm_servicebus_queue.queues[k].name}"
      fifo            = try(c.fifo, false)
      dead_letter_arn = try(azurerm_servicebus_queue.queues__dlq[k].id, null)
    }
  }
  out_topics = {
    for k, c in local.topics : "topics/${k}" => {
      name          = azurerm_servicebus_topic.topics[k].name
      arn           = azurerm_servicebus_topic.topics[k].id
      subscriptions = [for q in try(c.subscribe_queues, []) : azurerm_servicebus_subscription.topics__subscription["${k}/${q}"].id if contains(keys(local.queues), q)]
    }
  }
  out_nosql_tables = {
    for k, c in local.nosql_tables : "nosql_tables/${k}" => {
      name          = azurerm_cosmosdb_sql_container.nosql_tables[k].name
      arn           = azurerm_cosmosdb_sql_container.nosql_tables[k].id
      endpoint      = azurerm_cosmosdb_account.vine[local.nosql_mode[k]].endpoint
      partition_key = try(c.partition_key, null)
      sort_key      = try(c.sort_key, null)
      billing_mode  = try(c.billing_mode, null)
    }
  }
  out_registries = {
    for k, c in local.registries : "container_registries/${k}" => {
      name           = azurerm_container_registry.container_registries[k].name
      arn            = azurerm_container_registry.container_registries[k].id
      repository_url = azurerm_container_registry.container_registries[k].login_server
      immutable_tags = try(c.immutable_tags, false)
    }
  }
  out_secrets = {
    for k, c in local.secrets : "secrets/${k}" => {
      name         = azurerm_key_vault_secret.secrets[k].name
      arn          = azurerm_key_vault_secret.secrets[k].resource_versionless_id
      value_source = contains(local.user_secret_names, k) ? "user" : "generated"
    }
  }
}

output "name_prefix" {
  value = var.name_prefix
}

output "components" {
  description = "\"<kind>/<name>\" → that component's outputs (endpoints, resource ids, ports, URLs)."
  value = merge(
    local.out_network, local.out_cluster, local.out_dns, local.out_repositories,
    local.out_databases, local.out_caches, local.out_queues, local.out_topics,
    local.out_nosql_tables, local.out_registries, local.out_secrets,
  )
}
