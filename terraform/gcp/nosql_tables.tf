# nosql_tables: a Firestore database in Native mode (one per table) in the vine's region, with
# point-in-time recovery when asked, delete protection in production and a TTL policy on
# ttl_attribute. Firestore has no table schema: partition_key and sort_key are logical (the
# document id and an ordered field the application writes); the table's documents live in the
# collection named after the component, which the TTL policy applies to. Firestore bills per
# operation: billing_mode provisioned has no equivalent (a check warns) and is echoed in outputs.

variable "nosql_tables" {
  type    = any
  default = {}
}

locals {
  nosql_tables     = merge(var.nosql_tables)
  nosql_tables_ttl = { for k, c in local.nosql_tables : k => c if try(c.ttl_attribute, null) != null }
}

resource "google_firestore_database" "nosql_tables" {
  for_each                          = local.nosql_tables
  name                              = local.rn["nosql_tables/${each.key}"]
  location_id                       = var.region
  type                              = "FIRESTORE_NATIVE"
  database_edition                  = "STANDARD"
  concurrency_mode                  = "OPTIMISTIC"
  app_engine_integration_mode       = "DISABLED"
  point_in_time_recovery_enablement = try(each.value.point_in_time_recovery, false) ? "POINT_IN_TIME_RECOVERY_ENABLED" : "POINT_IN_TIME_RECOVERY_DISABLED"
  delete_protection_state           = local.production ? "DELETE_PROTECTION_ENABLED" : "DELETE_PROTECTION_DISABLED"
  # DELETE (the provider's default is ABANDON): destroy deletes the database — refused while delete
  # protection is on (production).
  deletion_policy = "DELETE"
}

resource "google_firestore_field" "nosql_tables__ttl" {
  for_each   = local.nosql_tables_ttl
  database   = google_firestore_database.nosql_tables[each.key].name
  collection = each.key
  field      = each.value.ttl_attribute

  ttl_config {}
}

check "nosql_tables_billing_mode" {
  assert {
    condition     = alltrue([for k, c in local.nosql_tables : try(c.billing_mode, "on_demand") == "on_demand"])
    error_message = "nosql_tables: Firestore has no provisioned capacity; ${join(", ", [for k, c in local.nosql_tables : k if try(c.billing_mode, "on_demand") != "on_demand"])} are billed per operation like on_demand."
  }
}

output "nosql_tables" {
  description = "\"<name>\" → the table's outputs (terraform/CONTRACT.md)."
  value = {
    for k, c in local.nosql_tables : k => {
      name          = google_firestore_database.nosql_tables[k].name
      arn           = google_firestore_database.nosql_tables[k].id
      endpoint      = "https://firestore.googleapis.com/v1/${google_firestore_database.nosql_tables[k].id}/documents/${k}"
      partition_key = try(c.partition_key, null)
      sort_key      = try(c.sort_key, null)
      billing_mode  = try(c.billing_mode, null)
    }
  }
}
