# dns: The DNS zone (or an adopted zone). See ../CONTRACT.md.
variable "dns" {
  type    = any
  default = null
}

locals {
  # 0 or 1 entry keyed by the component's name.
  dns     = { for _, c in { x = var.dns } : try(c.name, "dns") => c if c != null }
  dns_rn  = { for n, c in local.dns : n => try(c.resource_name, "${var.name_prefix}-dns") }
  dns_hex = { for n, _ in local.dns : n => sha1("${var.name_prefix}/dns/${n}") }
}
resource "terraform_data" "dns" {
  for_each = local.dns
  input    = each.value
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "dns__ready" {
  for_each         = local.dns
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "dns/${each.key}") }
  depends_on       = [terraform_data.dns]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "dns/${each.key}"
      VINTNER_RESOURCE_NAME = local.dns_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "dns/${each.key}"))
    }
  }
}

output "dns" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.dns : k => {
      zone_id      = try(c.existing_zone_id, null) != null ? c.existing_zone_id : "Z${upper(substr(local.dns_hex[k], 0, 20))}"
      arn          = "${local.arn_prefix}:dns/${try(c.domain_name, local.dns_rn[k])}"
      domain_name  = try(c.domain_name, null)
      private_zone = try(c.private_zone, false)
      name_servers = try(c.private_zone, false) ? [] : [for i in range(1, 5) : "ns${i}.${local.dns_suffix}"]
    }
  }
}
