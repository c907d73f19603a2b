# dns: an Azure DNS zone (public), or a Private DNS zone linked to the vine's VNet (private_zone);
# with existing_zone_id the zone is read, not created (and not linked: an adopted private zone keeps
# the links it has).

variable "dns" {
  type    = any
  default = null
}

locals {
  dns                 = { for _, c in { x = var.dns } : try(c.name, "dns") => c if c != null }
  dns_created_public  = { for k, c in local.dns : k => c if try(c.existing_zone_id, null) == null && !try(c.private_zone, false) }
  dns_created_private = { for k, c in local.dns : k => c if try(c.existing_zone_id, null) == null && try(c.private_zone, false) }
  dns_adopted_public  = { for k, c in local.dns : k => c if try(c.existing_zone_id, null) != null && !try(c.private_zone, false) }
  dns_adopted_private = { for k, c in local.dns : k => c if try(c.existing_zone_id, null) != null && try(c.private_zone, false) }
  # "/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Network/(dnsZones|privateDnsZones)/<zone>"
  dns_zone_id_pattern = "(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Network/(dnsZones|privateDnsZones)/[^/]+$"
}

resource "azurerm_dns_zone" "dns" {
  for_each            = local.dns_created_public
  name                = each.value.domain_name
  resource_group_name = azurerm_resource_group.vine.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone" "dns" {
  for_each            = local.dns_created_private
  name                = each.value.domain_name
  resource_group_name = azurerm_resource_group.vine.name
  tags                = local.tags
}

resource "azurerm_private_dns_zone_virtual_network_link" "dns__link" {
  for_each              = { for k, c in local.dns_created_private : k => c if local.has_network }
  name                  = "${local.rn["dns/${each.key}"]}-link"
  resource_group_name   = azurerm_resource_group.vine.name
  private_dns_zone_name = azurerm_private_dns_zone.dns[each.key].name
  virtual_network_id    = local.vnet_id
  registration_enabled  = false
  tags                  = local.tags
}

data "azurerm_dns_zone" "dns" {
  for_each            = local.dns_adopted_public
  name                = split("/", each.value.existing_zone_id)[8]
  resource_group_name = split("/", each.value.existing_zone_id)[4]

  lifecycle {
    precondition {
      condition     = can(regex(local.dns_zone_id_pattern, each.value.existing_zone_id)) && can(regex("(?i)/dnsZones/", each.value.existing_zone_id))
      error_message = "dns/${each.key}: existing_zone_id must be an Azure DNS zone id, /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/dnsZones/<zone> (a private zone: set private_zone)."
    }
  }
}

data "azurerm_private_dns_zone" "dns" {
  for_each            = local.dns_adopted_private
  name                = split("/", each.value.existing_zone_id)[8]
  resource_group_name = split("/", each.value.existing_zone_id)[4]

  lifecycle {
    precondition {
      condition     = can(regex(local.dns_zone_id_pattern, each.value.existing_zone_id)) && can(regex("(?i)/privateDnsZones/", each.value.existing_zone_id))
      error_message = "dns/${each.key}: existing_zone_id must be a Private DNS zone id, /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/privateDnsZones/<zone> (a public zone: unset private_zone)."
    }
  }
}

locals {
  # zone id, name and name servers by component name, whichever way the zone came.
  dns_zones = merge(
    { for k, z in azurerm_dns_zone.dns : k => { id = z.id, name = z.name, name_servers = tolist(z.name_servers) } },
    { for k, z in azurerm_private_dns_zone.dns : k => { id = z.id, name = z.name, name_servers = tolist([]) } },
    { for k, z in data.azurerm_dns_zone.dns : k => { id = z.id, name = z.name, name_servers = tolist(z.name_servers) } },
    { for k, z in data.azurerm_private_dns_zone.dns : k => { id = z.id, name = z.name, name_servers = tolist([]) } },
  )
}

output "dns" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, c in local.dns : k => {
      zone_id      = local.dns_zones[k].id
      arn          = local.dns_zones[k].id
      domain_name  = local.dns_zones[k].name
      private_zone = try(c.private_zone, false)
      name_servers = local.dns_zones[k].name_servers
    }
  }
}
