# container_registries: Container registries. See ../CONTRACT.md.
variable "container_registries" {
  type    = any
  default = {}
}

locals {
  container_registries    = merge(var.container_registries)
  container_registries_rn = { for n, c in local.container_registries : n => try(c.resource_name, "${var.name_prefix}-reg-${n}") }
}
resource "terraform_data" "container_registries" {
  for_each = local.container_registries
  input    = each.value
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "container_registries__ready" {
  for_each         = local.container_registries
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "container_registries/${each.key}") }
  depends_on       = [terraform_data.container_registries]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "container_registries/${each.key}"
      VINTNER_RESOURCE_NAME = local.container_registries_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "container_registries/${each.key}"))
    }
  }
}

output "container_registries" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.container_registries : k => {
      name           = local.container_registries_rn[k]
      arn            = "${local.arn_prefix}:container_registries/${local.container_registries_rn[k]}"
      repository_url = "${local.account_id}.registry.${local.dns_suffix}/${local.container_registries_rn[k]}"
      immutable_tags = try(c.immutable_tags, false)
    }
  }
}
