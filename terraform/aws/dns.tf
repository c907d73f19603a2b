# dns: a Route 53 hosted zone, public or private (attached to the vine's VPC) — or, with
# existing_zone_id, an existing zone read and nothing created.
locals {
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
