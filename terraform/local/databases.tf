# databases: Databases. See ../CONTRACT.md.
variable "databases" {
  type    = any
  default = {}
}

locals {
  databases    = merge(var.databases)
  databases_rn = { for n, c in local.databases : n => try(c.resource_name, "${var.name_prefix}-db-${n}") }
}
resource "terraform_data" "databases" {
  for_each   = local.databases
  input      = each.value
  depends_on = [terraform_data.network__ready]
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "databases__ready" {
  for_each         = local.databases
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "databases/${each.key}") }
  depends_on       = [terraform_data.databases]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "databases/${each.key}"
      VINTNER_RESOURCE_NAME = local.databases_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "databases/${each.key}"))
    }
  }
}

output "databases" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.databases : k => {
      id              = local.databases_rn[k]
      arn             = "${local.arn_prefix}:databases/${local.databases_rn[k]}"
      host            = "${local.databases_rn[k]}.db.${local.dns_suffix}"
      port            = try(c.engine, "postgres") == "mysql" ? 3306 : 5432
      endpoint        = "${local.databases_rn[k]}.db.${local.dns_suffix}:${try(c.engine, "postgres") == "mysql" ? 3306 : 5432}"
      reader_host     = try(c.high_availability, false) ? "${local.databases_rn[k]}.ro.db.${local.dns_suffix}" : null
      engine          = try(c.engine, null)
      engine_version  = try(c.engine_version, null)
      instance_class  = "db.local.${try(c.size, "small")}"
      storage_gb      = try(c.storage_gb, null)
      database_name   = replace(k, "-", "_")
      username        = "vintner"
      password_secret = "${local.arn_prefix}:secrets/${local.databases_rn[k]}-password"
      url             = "${try(c.engine, "postgres") == "mysql" ? "mysql" : "postgres"}://vintner@${local.databases_rn[k]}.db.${local.dns_suffix}:${try(c.engine, "postgres") == "mysql" ? 3306 : 5432}/${replace(k, "-", "_")}"
    }
  }
}
