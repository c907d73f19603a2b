# databases: Cloud SQL (Enterprise edition) for PostgreSQL or MySQL on a private IP of the vine's
# network (private service access, no public IP, TLS required), REGIONAL when high_availability,
# automated backups kept backup_retention_days with point-in-time recovery, deletion protection and
# backups kept after deletion in production. One database and one user whose generated password is
# kept in Secret Manager (password_secret), never in an output.

variable "databases" {
  type    = any
  default = {}
}

locals {
  databases = merge(var.databases)

  db_mysql   = { for k, c in local.databases : k => try(c.engine, "postgres") == "mysql" }
  db_port    = { for k, c in local.databases : k => local.db_mysql[k] ? 3306 : 5432 }
  db_ha      = { for k, c in local.databases : k => try(c.high_availability, false) }
  db_size    = { for k, c in local.databases : k => try(c.size, "small") }
  db_version = { for k, c in local.databases : k => split(".", tostring(try(c.engine_version, local.db_mysql[k] ? "8.0" : "16"))) }
  # 16 → POSTGRES_16; 8.0 → MYSQL_8_0, 8.4 → MYSQL_8_4, 8 → MYSQL_8_0, 8.0.41 → MYSQL_8_0_41.
  db_database_version = {
    for k, c in local.databases : k => local.db_mysql[k] ? (
      length(local.db_version[k]) == 1 ? "MYSQL_${local.db_version[k][0]}_0" : "MYSQL_${join("_", local.db_version[k])}"
    ) : "POSTGRES_${local.db_version[k][0]}"
  }
  db_tier = {
    for k, c in local.databases : k => local.db_size[k] == "small" && local.db_ha[k] ? local.sizes.sql_tier_small_ha : local.sizes.sql_tier[local.db_size[k]]
  }
  # Backups: backup_retention_days daily backups; point-in-time recovery keeps transaction logs
  # for up to 7 days (Enterprise edition), fewer than the retained backups as Cloud SQL requires.
  db_retention = { for k, c in local.databases : k => try(c.backup_retention_days, 7) }
  db_log_days  = { for k, c in local.databases : k => max(1, min(7, local.db_retention[k] - 1)) }
  db_retained  = { for k, c in local.databases : k => max(local.db_retention[k], local.db_log_days[k] + 1) }

  db_name     = { for k, c in local.databases : k => replace(k, "-", "_") }
  db_username = "vintner"
  # Instance names are not reusable for about a week after deletion: a random suffix kept in state
  # (new only when the instance itself is replaced). Project id + instance name ≤ 98 characters.
  db_base_name = {
    for k, c in local.databases : k => length(local.rn["databases/${k}"]) <= 57 ? local.rn["databases/${k}"] : "${replace(substr(local.rn["databases/${k}"], 0, 52), "/-+$/", "")}-${substr(sha1(local.rn["databases/${k}"]), 0, 4)}"
  }
}

resource "random_id" "databases__suffix" {
  for_each    = local.databases
  byte_length = 2
  keepers = {
    engine = try(each.value.engine, "postgres")
    region = var.region
  }
}

resource "google_sql_database_instance" "databases" {
  for_each            = local.databases
  name                = "${local.db_base_name[each.key]}-${random_id.databases__suffix[each.key].hex}"
  region              = var.region
  database_version    = local.db_database_version[each.key]
  deletion_protection = local.production

  settings {
    tier                        = local.db_tier[each.key]
    edition                     = "ENTERPRISE"
    availability_type           = local.db_ha[each.key] ? "REGIONAL" : "ZONAL"
    disk_type                   = "PD_SSD"
    disk_size                   = try(each.value.storage_gb, 20)
    disk_autoresize             = true
    deletion_protection_enabled = local.production
    retain_backups_on_delete    = local.production
    user_labels                 = local.component_labels["databases/${each.key}"]

    ip_configuration {
      ipv4_enabled    = false
      private_network = try(local.vpc.id, null)
      ssl_mode        = "ENCRYPTED_ONLY"
    }

    backup_configuration {
      enabled                        = local.db_retention[each.key] > 0
      start_time                     = "02:00"
      binary_log_enabled             = local.db_mysql[each.key] && local.db_retention[each.key] > 0
      point_in_time_recovery_enabled = !local.db_mysql[each.key] && local.db_retention[each.key] > 0
      transaction_log_retention_days = local.db_retention[each.key] > 0 ? local.db_log_days[each.key] : null

      dynamic "backup_retention_settings" {
        for_each = local.db_retention[each.key] > 0 ? [1] : []
        content {
          retained_backups = local.db_retained[each.key]
          retention_unit   = "COUNT"
        }
      }
    }

    maintenance_window {
      day          = 7
      hour         = 3
      update_track = "stable"
    }

    insights_config {
      query_insights_enabled  = local.production
      record_application_tags = false
      record_client_address   = false
    }
  }

  depends_on = [google_service_networking_connection.network__psa]

  lifecycle {
    # Storage grows on its own (disk_autoresize); storage_gb is the size it starts with. A size below
    # the grown one would otherwise plan a replacement of the instance.
    ignore_changes = [settings[0].disk_size]
    precondition {
      condition     = local.vpc != null
      error_message = "databases/${each.key}: Cloud SQL takes a private IP in the vine's network: add the network component (an adopted network needs private service access already)."
    }
    precondition {
      condition     = contains(["postgres", "mysql"], try(each.value.engine, "postgres")) && can(regex("^[0-9]+(\\.[0-9]+){0,2}$", tostring(try(each.value.engine_version, "16"))))
      error_message = "databases/${each.key}: engine must be postgres or mysql, engine_version like 16 or 8.0."
    }
    precondition {
      condition     = !local.db_ha[each.key] || local.db_retention[each.key] > 0
      error_message = "databases/${each.key}: high availability needs automated backups (backup_retention_days ≥ 1)."
    }
  }
}

resource "google_sql_database" "databases__db" {
  for_each = local.databases
  name     = local.db_name[each.key]
  instance = google_sql_database_instance.databases[each.key].name
  # Dropped with the instance; dropping it alone fails while sessions are open.
  deletion_policy = "ABANDON"
}

resource "random_password" "databases__password" {
  for_each         = local.databases
  length           = 32
  special          = true
  override_special = "-_"
  min_lower        = 1
  min_upper        = 1
  min_numeric      = 1
}

resource "google_sql_user" "databases__user" {
  for_each = local.databases
  name     = local.db_username
  instance = google_sql_database_instance.databases[each.key].name
  host     = local.db_mysql[each.key] ? "%" : null
  password = random_password.databases__password[each.key].result
  # PostgreSQL refuses to drop a role that owns objects; the instance's deletion removes it.
  deletion_policy = "ABANDON"
}

resource "google_secret_manager_secret" "databases__password" {
  for_each  = local.databases
  secret_id = "${local.rn["databases/${each.key}"]}-password"
  labels    = local.component_labels["databases/${each.key}"]
  annotations = {
    description = "Password of user ${local.db_username} on Cloud SQL instance ${local.db_base_name[each.key]} (databases/${each.key})"
  }
  deletion_protection = local.production

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }
}

resource "google_secret_manager_secret_version" "databases__password" {
  for_each    = local.databases
  secret      = google_secret_manager_secret.databases__password[each.key].id
  secret_data = random_password.databases__password[each.key].result
}

output "databases" {
  description = "\"<name>\" → the database's outputs (terraform/CONTRACT.md); the password is in Secret Manager (password_secret)."
  value = {
    for k, c in local.databases : k => {
      id              = google_sql_database_instance.databases[k].name
      arn             = google_sql_database_instance.databases[k].self_link
      host            = google_sql_database_instance.databases[k].private_ip_address
      port            = local.db_port[k]
      endpoint        = "${google_sql_database_instance.databases[k].private_ip_address}:${local.db_port[k]}"
      reader_host     = null
      engine          = try(c.engine, "postgres")
      engine_version  = try(tostring(c.engine_version), null)
      instance_class  = local.db_tier[k]
      storage_gb      = try(c.storage_gb, null)
      database_name   = local.db_name[k]
      username        = local.db_username
      password_secret = google_secret_manager_secret.databases__password[k].id
      url             = local.db_mysql[k] ? "mysql://${local.db_username}@${google_sql_database_instance.databases[k].private_ip_address}:3306/${local.db_name[k]}?ssl-mode=REQUIRED" : "postgres://${local.db_username}@${google_sql_database_instance.databases[k].private_ip_address}:5432/${local.db_name[k]}?sslmode=require"
    }
  }
}
