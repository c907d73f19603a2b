# nosql_tables: Cosmos DB for NoSQL. The vine has up to two accounts, one per billing mode — Cosmos
# fixes serverless vs provisioned throughput per account, and changing it replaces the account — so
# adding a table of the other mode never touches the existing ones:
#   on_demand   → the "serverless" account (pay per request unit consumed)
#   provisioned → the "provisioned" account, 400 RU/s manual throughput per container (zone
#                 redundant in production)
# Each account has one SQL database; each table is a container:
#   partition_key → partition key path "/<partition_key>"
#   sort_key      → a unique key on "/<sort_key>" (unique within a partition, as in a key of
#                   partition + sort) and a composite index (partition_key, sort_key); store the sort
#                   key in the item's id too for point reads
#   ttl_attribute → time to live on, no default expiry (default_ttl -1): an item expires when it
#                   carries "ttl" (seconds after its last write; Cosmos reads only that property)
#   point_in_time_recovery → the account backs up continuously (7 days; 30 in production).
# Entra ID only (account keys off), TLS 1.2.

variable "nosql_tables" {
  type    = any
  default = {}
}

locals {
  nosql_tables = merge(var.nosql_tables)
  nosql_mode   = { for k, c in local.nosql_tables : k => try(c.billing_mode, "on_demand") == "provisioned" ? "provisioned" : "serverless" }
  nosql_accounts = {
    for m in distinct(values(local.nosql_mode)) : m => {
      continuous = anytrue([for k, c in local.nosql_tables : try(c.point_in_time_recovery, false) if local.nosql_mode[k] == m])
    }
  }
}

resource "azurerm_cosmosdb_account" "vine" {
  for_each                      = local.nosql_accounts
  name                          = "${local.prefix16}-cosmos-${substr(each.key, 0, 1)}${local.uniq_vine}"
  location                      = azurerm_resource_group.vine.location
  resource_group_name           = azurerm_resource_group.vine.name
  offer_type                    = "Standard"
  kind                          = "GlobalDocumentDB"
  local_authentication_disabled = true
  minimal_tls_version           = "Tls12"
  public_network_access_enabled = true
  automatic_failover_enabled    = false
  tags                          = local.tags

  dynamic "capabilities" {
    for_each = each.key == "serverless" ? ["EnableServerless"] : []
    content {
      name = capabilities.value
    }
  }

  consistency_policy {
    consistency_level = "Session"
  }

  geo_location {
    location          = azurerm_resource_group.vine.location
    failover_priority = 0
    zone_redundant    = local.production && each.key == "provisioned"
  }

  dynamic "backup" {
    for_each = each.value.continuous ? [1] : []
    content {
      type = "Continuous"
      tier = local.production ? "Continuous30Days" : "Continuous7Days"
    }
  }
  dynamic "backup" {
    for_each = each.value.continuous ? [] : [1]
    content {
      type                = "Periodic"
      interval_in_minutes = 240
      retention_in_hours  = 8
      storage_redundancy  = local.production ? "Geo" : "Local"
    }
  }
}

resource "azurerm_cosmosdb_sql_database" "vine" {
  for_each            = local.nosql_accounts
  name                = var.name_prefix
  resource_group_name = azurerm_resource_group.vine.name
  account_name        = azurerm_cosmosdb_account.vine[each.key].name
}

resource "azurerm_cosmosdb_sql_container" "nosql_tables" {
  for_each              = local.nosql_tables
  name                  = local.rn["nosql_tables/${each.key}"]
  resource_group_name   = azurerm_resource_group.vine.name
  account_name          = azurerm_cosmosdb_account.vine[local.nosql_mode[each.key]].name
  database_name         = azurerm_cosmosdb_sql_database.vine[local.nosql_mode[each.key]].name
  partition_key_paths   = ["/${try(each.value.partition_key, "pk")}"]
  partition_key_kind    = "Hash"
  partition_key_version = 2
  throughput            = local.nosql_mode[each.key] == "provisioned" ? 400 : null
  default_ttl           = try(each.value.ttl_attribute, null) != null ? -1 : null

  dynamic "unique_key" {
    for_each = try(each.value.sort_key, null) != null ? [each.value.sort_key] : []
    content {
      paths = ["/${unique_key.value}"]
    }
  }

  indexing_policy {
    indexing_mode = "consistent"
    included_path {
      path = "/*"
    }
    dynamic "composite_index" {
      for_each = try(each.value.sort_key, null) != null ? [each.value.sort_key] : []
      content {
        index {
          path  = "/${try(each.value.partition_key, "pk")}"
          order = "Ascending"
        }
        index {
          path  = "/${composite_index.value}"
          order = "Ascending"
        }
      }
    }
  }
}

output "nosql_tables" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, c in local.nosql_tables : k => {
      name          = azurerm_cosmosdb_sql_container.nosql_tables[k].name
      arn           = azurerm_cosmosdb_sql_container.nosql_tables[k].id
      endpoint      = azurerm_cosmosdb_account.vine[local.nosql_mode[k]].endpoint
      partition_key = try(c.partition_key, null)
      sort_key      = try(c.sort_key, null)
      billing_mode  = try(c.billing_mode, null)
    }
  }
}
