# databases: Azure Database for PostgreSQL / MySQL flexible server with private access only (the
# vine network's delegated subnet and a private DNS zone), one database, an administrator password
# from random_password kept in the vine's Key Vault, backups 7–35 days (geo-redundant in
# production), zone-redundant high availability when asked, and a CanNotDelete lock in production.

variable "databases" {
  type    = any
  default = {}
}

locals {
  databases = merge(var.databases)
  db = {
    for k, c in local.databases : k => {
      engine  = try(c.engine, "postgres")
      size    = try(c.size, "small")
      ha      = try(c.high_availability, false)
      name    = local.unique_name["databases/${k}"]
      db_name = replace(k, "-", "_")
      port    = try(c.engine, "postgres") == "mysql" ? 3306 : 5432
      # Burstable SKUs have no high availability: a small HA database is general purpose.
      sku = try(c.engine, "postgres") == "mysql" ? (
        try(c.high_availability, false) && try(c.size, "small") == "small" ? local.sizes.mysql_ha_small : local.sizes.mysql[try(c.size, "small")]
        ) : (
        try(c.high_availability, false) && try(c.size, "small") == "small" ? local.sizes.postgres_ha_small : local.sizes.postgres[try(c.size, "small")]
      )
      # Azure keeps 7 to 35 days of backups: the setting is clamped into that range.
      retention = min(max(try(c.backup_retention_days, 7), 7), 35)
      # PostgreSQL: the next storage size up (32 GiB – 32 TiB). MySQL: 20 GiB – 16 TiB.
      storage_gb = try(c.engine, "postgres") == "mysql" ? min(max(try(c.storage_gb, 20), 20), 16384) : concat(
        [for s in local.postgres_storage_gib : s if s >= try(c.storage_gb, 32)], [32767]
      )[0]
      # "16" or "16.4" → "16"; MySQL "8.0" → "8.0.21" (Azure's name for 8.0), others as given.
      version = try(c.engine, "postgres") == "mysql" ? (
        startswith(try(c.engine_version, "8.0"), "8.0") ? "8.0.21" : try(c.engine_version, "8.0.21")
      ) : split(".", try(c.engine_version, "16"))[0]
    }
  }
  db_postgres = { for k, d in local.db : k => d if d.engine == "postgres" }
  db_mysql    = { for k, d in local.db : k => d if d.engine == "mysql" }
}

resource "random_password" "databases__password" {
  for_each = local.db
  length   = 32
  special  = true
  # Characters that need no quoting in a connection string or a shell.
  override_special = "-_.~"
  min_lower        = 1
  min_upper        = 1
  min_numeric      = 1
}

resource "azurerm_key_vault_secret" "databases__password" {
  for_each     = local.db
  name         = "${local.rn["databases/${each.key}"]}-password"
  key_vault_id = azurerm_key_vault.vine[0].id
  value        = random_password.databases__password[each.key].result
  content_type = "password of ${each.value.engine == "mysql" ? "MySQL" : "PostgreSQL"} administrator vintner"
  tags         = local.tags
}

# One private DNS zone per engine for the vine, linked to its VNet.
resource "azurerm_private_dns_zone" "postgres" {
  count               = length(local.db_postgres) > 0 && local.has_network ? 1 : 0
  name                = "${var.name_prefix}.private.postgres.database.azure.com"
  resource_group_name = azurerm_resource_group.vine.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "postgres" {
  count                 = length(azurerm_private_dns_zone.postgres)
  name                  = "${var.name_prefix}-postgres"
  resource_group_name   = azurerm_resource_group.vine.name
  private_dns_zone_name = azurerm_private_dns_zone.postgres[0].name
  virtual_network_id    = local.vnet_id
  registration_enabled  = false
  tags                  = local.tags
}

resource "azurerm_private_dns_zone" "mysql" {
  count               = length(local.db_mysql) > 0 && local.has_network ? 1 : 0
  name                = "${var.name_prefix}.private.mysql.database.azure.com"
  resource_group_name = azurerm_resource_group.vine.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "mysql" {
  count                 = length(azurerm_private_dns_zone.mysql)
  name                  = "${var.name_prefix}-mysql"
  resource_group_name   = azurerm_resource_group.vine.name
  private_dns_zone_name = azurerm_private_dns_zone.mysql[0].name
  virtual_network_id    = local.vnet_id
  registration_enabled  = false
  tags                  = local.tags
}

resource "azurerm_postgresql_flexible_server" "databases" {
  for_each                      = local.db_postgres
  name                          = each.value.name
  location                      = azurerm_resource_group.vine.location
  resource_group_name           = azurerm_resource_group.vine.name
  version                       = each.value.version
  sku_name                      = each.value.sku
  storage_mb                    = each.value.storage_gb * 1024
  auto_grow_enabled             = true
  backup_retention_days         = each.value.retention
  geo_redundant_backup_enabled  = local.production
  delegated_subnet_id           = local.postgres_subnet_id
  private_dns_zone_id           = try(azurerm_private_dns_zone.postgres[0].id, null)
  public_network_access_enabled = false
  administrator_login           = "vintner"
  administrator_password        = random_password.databases__password[each.key].result
  tags                          = local.tags

  dynamic "high_availability" {
    for_each = each.value.ha ? [1] : []
    content {
      mode = "ZoneRedundant"
    }
  }

  lifecycle {
    # Azure moves the primary between zones on failover.
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
    precondition {
      condition     = local.has_postgres_subnet
      error_message = "databases/${each.key}: a PostgreSQL server is reached only privately, through the vine's network. Add a network component (or, adopting a VNet, give it a subnet delegated to Microsoft.DBforPostgreSQL/flexibleServers with \"postgres\" in its name)."
    }
  }

  depends_on = [azurerm_private_dns_zone_virtual_network_link.postgres]
}

resource "azurerm_postgresql_flexible_server_database" "databases__db" {
  for_each  = local.db_postgres
  name      = each.value.db_name
  server_id = azurerm_postgresql_flexible_server.databases[each.key].id
  charset   = "UTF8"
  collation = "en_US.utf8"
}

resource "azurerm_mysql_flexible_server" "databases" {
  for_each                     = local.db_mysql
  name                         = each.value.name
  location                     = azurerm_resource_group.vine.location
  resource_group_name          = azurerm_resource_group.vine.name
  version                      = each.value.version
  sku_name                     = each.value.sku
  backup_retention_days        = each.value.retention
  geo_redundant_backup_enabled = local.production
  delegated_subnet_id          = local.mysql_subnet_id
  private_dns_zone_id          = try(azurerm_private_dns_zone.mysql[0].id, null)
  administrator_login          = "vintner"
  administrator_password       = random_password.databases__password[each.key].result
  tags                         = local.tags

  storage {
    size_gb           = each.value.storage_gb
    auto_grow_enabled = true
  }

  dynamic "high_availability" {
    for_each = each.value.ha ? [1] : []
    content {
      mode = "ZoneRedundant"
    }
  }

  lifecycle {
    ignore_changes = [zone, high_availability[0].standby_availability_zone]
    precondition {
      condition     = local.has_mysql_subnet
      error_message = "databases/${each.key}: a MySQL server is reached only privately, through the vine's network. Add a network component (or, adopting a VNet, give it a subnet delegated to Microsoft.DBforMySQL/flexibleServers with \"mysql\" in its name)."
    }
  }

  depends_on = [azurerm_private_dns_zone_virtual_network_link.mysql]
}

resource "azurerm_mysql_flexible_database" "databases__db" {
  for_each            = local.db_mysql
  name                = each.value.db_name
  resource_group_name = azurerm_resource_group.vine.name
  server_name         = azurerm_mysql_flexible_server.databases[each.key].name
  charset             = "utf8mb4"
  collation           = "utf8mb4_0900_ai_ci"
}

locals {
  db_servers = merge(
    { for k, s in azurerm_postgresql_flexible_server.databases : k => { id = s.id, fqdn = s.fqdn } },
    { for k, s in azurerm_mysql_flexible_server.databases : k => { id = s.id, fqdn = s.fqdn } },
  )
}

# Production: Azure's deletion protection (also protects from deleting the resource group).
resource "azurerm_management_lock" "databases__lock" {
  for_each   = { for k, d in local.db : k => d if local.production }
  name       = "vintner-cannot-delete"
  scope      = local.db_servers[each.key].id
  lock_level = "CanNotDelete"
  notes      = "Production database of ${var.name_prefix} (Vintner). Destroy the vine in Vintner to remove it."
  # A lock covers the server's databases: on destroy it goes before them.
  depends_on = [azurerm_postgresql_flexible_server_database.databases__db, azurerm_mysql_flexible_database.databases__db]
}

output "databases" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, d in local.db : k => {
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
}
