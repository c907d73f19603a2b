# network: The network: a VPC-like record with subnets per zone (or an adopted network). See ../CONTRACT.md.
variable "network" {
  type    = any
  default = null
}

locals {
  # 0 or 1 entry keyed by the component's name.
  network     = { for _, c in { x = var.network } : try(c.name, "network") => c if c != null }
  network_rn  = { for n, c in local.network : n => try(c.resource_name, "${var.name_prefix}-net") }
  network_hex = { for n, _ in local.network : n => sha1("${var.name_prefix}/network/${n}") }
}
resource "terraform_data" "network" {
  for_each = local.network
  input    = each.value
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "network__ready" {
  for_each         = local.network
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "network/${each.key}") }
  depends_on       = [terraform_data.network]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "network/${each.key}"
      VINTNER_RESOURCE_NAME = local.network_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "network/${each.key}"))
    }
  }
}

output "network" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.network : k => {
      id                 = "vpc-${substr(local.network_hex[k], 0, 17)}"
      arn                = "${local.arn_prefix}:network/${local.network_rn[k]}"
      name               = local.network_rn[k]
      cidr_block         = try(c.cidr_block, null)
      availability_zones = [for i in range(try(c.az_count, 1)) : "${var.region}-1${substr("abcdef", i, 1)}"]
      private_subnets    = [for i in range(try(c.az_count, 1)) : "subnet-${substr(sha1("${local.network_hex[k]}/private/${i}"), 0, 17)}"]
      public_subnets     = [for i in range(try(c.az_count, 1)) : "subnet-${substr(sha1("${local.network_hex[k]}/public/${i}"), 0, 17)}"]
      nat_gateways       = [for i in range(try(c.existing_network_id, null) != null ? 0 : lookup({ none = 0, single = 1 }, try(c.nat_gateway, "single"), try(c.az_count, 1))) : "nat-${substr(sha1("${local.network_hex[k]}/nat/${i}"), 0, 17)}"]
    }
  }
}
