# nosql_tables: NoSQL tables. See ../CONTRACT.md.
variable "nosql_tables" {
  type    = any
  default = {}
}

locals {
  nosql_tables    = merge(var.nosql_tables)
  nosql_tables_rn = { for n, c in local.nosql_tables : n => try(c.resource_name, "${var.name_prefix}-tbl-${n}") }
}
resource "terraform_data" "nosql_tables" {
  for_each = local.nosql_tables
  input    = each.value
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "nosql_tables__ready" {
  for_each         = local.nosql_tables
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "nosql_tables/${each.key}") }
  depends_on       = [terraform_data.nosql_tables]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "nosql_tables/${each.key}"
      VINTNER_RESOURCE_NAME = local.nosql_tables_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "nosql_tables/${each.key}"))
    }
  }
}

output "nosql_tables" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.nosql_tables : k => {
      name          = local.nosql_tables_rn[k]
      arn           = "${local.arn_prefix}:nosql_tables/${local.nosql_tables_rn[k]}"
      endpoint      = "https://nosql.${local.dns_suffix}"
      partition_key = try(c.partition_key, null)
      sort_key      = try(c.sort_key, null)
      billing_mode  = try(c.billing_mode, null)
    }
  }
}
