# dns: a Route 53 hosted zone, public or private (attached to the vine's VPC) — or, with
# existing_zone_id, an existing zone read and nothing created.

variable "dns" {
  type    = any
  default = null
  validation {
    condition     = try(var.dns.private_zone, false) != true || var.network != null
    error_message = "dns: a private zone is attached to the vine's network; add a network."
  }
}

locals {
  dns        = { for _, c in { x = var.dns } : try(c.name, "dns") => c if c != null }
  dns_create = { for k, c in local.dns : k => c if try(c.existing_zone_id, null) == null }
  dns_adopt  = { for k, c in local.dns : k => c if try(c.existing_zone_id, null) != null }
}

resource "aws_route53_zone" "dns" {
  for_each = local.dns_create
  name     = each.value.domain_name
  comment  = "Vintner ${local.rn["dns/${each.key}"]}"
  # Development and staging: destroy removes the records the cluster wrote too; production keeps
  # a zone that still holds records.
  force_destroy = !local.is_production

  dynamic "vpc" {
    for_each = try(each.value.private_zone, false) ? [local.vpc_id] : []
    content {
      vpc_id = vpc.value
    }
  }

  lifecycle {
    precondition {
      condition     = !try(each.value.private_zone, false) || local.vpc_id != null
      error_message = "dns: a private zone is attached to the vine's network; add a network."
    }
  }
}

data "aws_route53_zone" "dns" {
  for_each = local.dns_adopt
  zone_id  = each.value.existing_zone_id
}

output "dns" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = merge(
    {
      for k, c in local.dns_create : k => {
        zone_id      = aws_route53_zone.dns[k].zone_id
        arn          = aws_route53_zone.dns[k].arn
        domain_name  = c.domain_name
        private_zone = try(c.private_zone, false)
        name_servers = aws_route53_zone.dns[k].name_servers
      }
    },
    {
      for k, c in local.dns_adopt : k => {
        zone_id      = data.aws_route53_zone.dns[k].zone_id
        arn          = data.aws_route53_zone.dns[k].arn
        domain_name  = trimsuffix(data.aws_route53_zone.dns[k].name, ".")
        private_zone = data.aws_route53_zone.dns[k].private_zone
        name_servers = data.aws_route53_zone.dns[k].name_servers
      }
    },
  )
}
