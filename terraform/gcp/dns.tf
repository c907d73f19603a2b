# dns: a Cloud DNS managed zone — public (DNSSEC on), or private to the vine's network — or, with
# existing_zone_id, an existing zone read and nothing created.

variable "dns" {
  type    = any
  default = null
}

locals {
  dns         = { for _, c in { x = var.dns } : try(c.name, "dns") => c if c != null }
  dns_created = { for k, c in local.dns : k => c if try(c.existing_zone_id, null) == null }
  dns_adopted = { for k, c in local.dns : k => c if try(c.existing_zone_id, null) != null }

  # existing_zone_id: a zone name or "projects/<p>/managedZones/<name>".
  dns_adopt_ref = {
    for k, c in local.dns_adopted : k => {
      name    = reverse(split("/", c.existing_zone_id))[0]
      project = startswith(c.existing_zone_id, "projects/") ? split("/", c.existing_zone_id)[1] : null
    }
  }
}

resource "google_dns_managed_zone" "dns" {
  for_each    = local.dns_created
  name        = local.rn["dns/${each.key}"]
  dns_name    = "${trimsuffix(each.value.domain_name, ".")}."
  description = "Vintner ${var.name_prefix}: dns/${each.key}"
  visibility  = try(each.value.private_zone, false) ? "private" : "public"
  labels      = local.component_labels["dns/${each.key}"]
  # Development may delete the records others (external-dns, people) added; other stages refuse.
  force_destroy = local.development

  dynamic "private_visibility_config" {
    for_each = try(each.value.private_zone, false) ? [1] : []
    content {
      networks {
        network_url = try(local.vpc.id, null)
      }
    }
  }

  dynamic "dnssec_config" {
    for_each = try(each.value.private_zone, false) ? [] : [1]
    content {
      state = "on"
    }
  }

  dynamic "cloud_logging_config" {
    for_each = try(each.value.private_zone, false) ? [] : [1]
    content {
      enable_logging = local.production
    }
  }

  lifecycle {
    precondition {
      condition     = !try(each.value.private_zone, false) || local.vpc != null
      error_message = "dns/${each.key}: a private zone needs the vine's network component to be visible from."
    }
  }
}

data "google_dns_managed_zone" "dns" {
  for_each = local.dns_adopted
  name     = local.dns_adopt_ref[each.key].name
  project  = local.dns_adopt_ref[each.key].project
}

output "dns" {
  description = "\"<name>\" → the DNS zone's outputs (terraform/CONTRACT.md)."
  value = merge(
    {
      for k, c in local.dns_created : k => {
        zone_id      = google_dns_managed_zone.dns[k].name
        arn          = google_dns_managed_zone.dns[k].id
        domain_name  = trimsuffix(google_dns_managed_zone.dns[k].dns_name, ".")
        private_zone = try(c.private_zone, false)
        name_servers = try(c.private_zone, false) ? [] : google_dns_managed_zone.dns[k].name_servers
      }
    },
    {
      for k, c in local.dns_adopted : k => {
        zone_id      = data.google_dns_managed_zone.dns[k].name
        arn          = data.google_dns_managed_zone.dns[k].id
        domain_name  = trimsuffix(data.google_dns_managed_zone.dns[k].dns_name, ".")
        private_zone = data.google_dns_managed_zone.dns[k].visibility == "private"
        name_servers = data.google_dns_managed_zone.dns[k].visibility == "private" ? [] : data.google_dns_managed_zone.dns[k].name_servers
      }
    },
  )
}
