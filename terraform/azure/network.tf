# network: a VNet split in 16 equal blocks —
#   0 … az_count-1  node subnets (AKS node pools, one per zone in production)
#   13              PostgreSQL flexible servers (delegated), only with a postgres database
#   14              MySQL flexible servers (delegated), only with a mysql database
#   15              private endpoints (Redis), only with a cache
# a NAT gateway (single) or one per node subnet (per_az) with its public IP, and one network
# security group on the node and endpoint subnets (Azure's default rules: VNet and load balancer
# traffic in, Internet in denied).
# With existing_network_id the VNet and its subnets are read, and nothing of the network is created.

variable "network" {
  type    = any
  default = null
}

locals {
  network         = { for _, c in { x = var.network } : try(c.name, "network") => c if c != null }
  net_key         = one(keys(local.network))
  net             = local.net_key == null ? null : local.network[local.net_key]
  has_network     = local.net_key != null
  adopted_network = { for k, c in local.network : k => c if try(c.existing_network_id, null) != null }
  created_network = { for k, c in local.network : k => c if try(c.existing_network_id, null) == null }
  adopting        = length(local.adopted_network) > 0

  cidr     = try(local.net.cidr_block, "10.0.0.0/16")
  az_count = min(max(try(local.net.az_count, 1), 1), 6)
  nat_mode = try(local.net.nat_gateway, "single")
  # Azure has at most three availability zones per region: subnet i is pinned to zone i % 3 + 1.
  zone_of = { for i in range(6) : i => tostring(i % 3 + 1) }

  any_postgres = length([for k, c in local.databases : k if try(c.engine, "postgres") == "postgres"]) > 0
  any_mysql    = length([for k, c in local.databases : k if try(c.engine, "postgres") == "mysql"]) > 0
  any_cache    = length(local.caches) > 0

  network_private = {
    for i in range(local.az_count) : "${local.net_key}/${i}" => {
      index = i
      cidr  = cidrsubnet(local.cidr, 4, i)
      zone  = local.zone_of[i]
    } if length(local.created_network) > 0
  }
  network_postgres  = { for k, c in local.created_network : k => cidrsubnet(local.cidr, 4, 13) if local.any_postgres }
  network_mysql     = { for k, c in local.created_network : k => cidrsubnet(local.cidr, 4, 14) if local.any_mysql }
  network_endpoints = { for k, c in local.created_network : k => cidrsubnet(local.cidr, 4, 15) if local.any_cache }

  # NAT gateways: "single" one for every node subnet; "per_az" one per node subnet, pinned to that
  # subnet's zone in production (NAT gateways are zonal); "none" none (AKS then leaves through its
  # load balancer's outbound rules).
  network_nat = local.nat_mode == "none" ? {} : {
    for key, s in local.network_private : key => s if local.nat_mode == "per_az" || s.index == 0
  }
  nat_of_subnet = { for key, s in local.network_private : key => local.nat_mode == "per_az" ? key : "${local.net_key}/0" }

  # (id) "/subscriptions/<s>/resourceGroups/<rg>/providers/Microsoft.Network/virtualNetworks/<name>"
  adopted_parts = { for k, c in local.adopted_network : k => split("/", c.existing_network_id) }
}

resource "azurerm_virtual_network" "network" {
  for_each            = local.created_network
  name                = local.rn["network/${each.key}"]
  location            = azurerm_resource_group.vine.location
  resource_group_name = azurerm_resource_group.vine.name
  address_space       = [local.cidr]
  tags                = local.tags

  lifecycle {
    precondition {
      condition     = tonumber(split("/", local.cidr)[1]) <= 24
      error_message = "network/${each.key}: cidr_block ${local.cidr} is too small for Azure: it is split into 16 subnets and Azure's smallest usable subnet is a /28, so the block must be a /24 or larger (/16 recommended for AKS)."
    }
  }
}

resource "azurerm_subnet" "network__private" {
  for_each                        = local.network_private
  name                            = "${local.rn["network/${local.net_key}"]}-nodes-${each.value.index}"
  resource_group_name             = azurerm_resource_group.vine.name
  virtual_network_name            = azurerm_virtual_network.network[local.net_key].name
  address_prefixes                = [each.value.cidr]
  default_outbound_access_enabled = false
}

resource "azurerm_subnet" "network__postgres" {
  for_each                        = local.network_postgres
  name                            = "${local.rn["network/${each.key}"]}-postgres"
  resource_group_name             = azurerm_resource_group.vine.name
  virtual_network_name            = azurerm_virtual_network.network[each.key].name
  address_prefixes                = [each.value]
  default_outbound_access_enabled = false

  delegation {
    name = "postgres-flexible"
    service_delegation {
      name    = "Microsoft.DBforPostgreSQL/flexibleServers"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_subnet" "network__mysql" {
  for_each                        = local.network_mysql
  name                            = "${local.rn["network/${each.key}"]}-mysql"
  resource_group_name             = azurerm_resource_group.vine.name
  virtual_network_name            = azurerm_virtual_network.network[each.key].name
  address_prefixes                = [each.value]
  default_outbound_access_enabled = false

  delegation {
    name = "mysql-flexible"
    service_delegation {
      name    = "Microsoft.DBforMySQL/flexibleServers"
      actions = ["Microsoft.Network/virtualNetworks/subnets/join/action"]
    }
  }
}

resource "azurerm_subnet" "network__endpoints" {
  for_each                          = local.network_endpoints
  name                              = "${local.rn["network/${each.key}"]}-endpoints"
  resource_group_name               = azurerm_resource_group.vine.name
  virtual_network_name              = azurerm_virtual_network.network[each.key].name
  address_prefixes                  = [each.value]
  default_outbound_access_enabled   = false
  private_endpoint_network_policies = "Enabled"
}

resource "azurerm_network_security_group" "network__nsg" {
  for_each            = local.created_network
  name                = "${local.rn["network/${each.key}"]}-nsg"
  location            = azurerm_resource_group.vine.location
  resource_group_name = azurerm_resource_group.vine.name
  tags                = local.tags
}

resource "azurerm_subnet_network_security_group_association" "network__nsg" {
  for_each = merge(
    { for key, s in azurerm_subnet.network__private : key => s.id },
    { for k, s in azurerm_subnet.network__endpoints : "${k}/endpoints" => s.id },
  )
  subnet_id                 = each.value
  network_security_group_id = azurerm_network_security_group.network__nsg[local.net_key].id
}

resource "azurerm_public_ip" "network__nat" {
  for_each            = local.network_nat
  name                = "${local.rn["network/${local.net_key}"]}-nat-${each.value.index}"
  location            = azurerm_resource_group.vine.location
  resource_group_name = azurerm_resource_group.vine.name
  allocation_method   = "Static"
  sku                 = "Standard"
  # Production per_az: in the gateway's zone. Otherwise Azure's default for the region.
  zones = local.production && local.nat_mode == "per_az" ? [each.value.zone] : null
  tags  = local.tags
}

resource "azurerm_nat_gateway" "network__nat" {
  for_each                = local.network_nat
  name                    = "${local.rn["network/${local.net_key}"]}-nat-${each.value.index}"
  location                = azurerm_resource_group.vine.location
  resource_group_name     = azurerm_resource_group.vine.name
  sku_name                = "Standard"
  idle_timeout_in_minutes = 4
  zones                   = local.production && local.nat_mode == "per_az" ? [each.value.zone] : null
  tags                    = local.tags
}

resource "azurerm_nat_gateway_public_ip_association" "network__nat" {
  for_each             = local.network_nat
  nat_gateway_id       = azurerm_nat_gateway.network__nat[each.key].id
  public_ip_address_id = azurerm_public_ip.network__nat[each.key].id
}

resource "azurerm_subnet_nat_gateway_association" "network__nat" {
  for_each       = local.nat_mode == "none" ? {} : local.network_private
  subnet_id      = azurerm_subnet.network__private[each.key].id
  nat_gateway_id = azurerm_nat_gateway.network__nat[local.nat_of_subnet[each.key]].id
}

# Adoption: the VNet and its subnets, read.
data "azurerm_virtual_network" "network" {
  for_each            = local.adopted_network
  name                = local.adopted_parts[each.key][8]
  resource_group_name = local.adopted_parts[each.key][4]

  lifecycle {
    precondition {
      condition     = can(regex("(?i)^/subscriptions/[^/]+/resourceGroups/[^/]+/providers/Microsoft\\.Network/virtualNetworks/[^/]+$", each.value.existing_network_id))
      error_message = "network/${each.key}: existing_network_id must be a VNet resource id, /subscriptions/<id>/resourceGroups/<group>/providers/Microsoft.Network/virtualNetworks/<name>."
    }
    precondition {
      condition     = lower(local.adopted_parts[each.key][2]) == lower(data.azurerm_client_config.current.subscription_id)
      error_message = "network/${each.key}: the VNet to adopt must be in the identity's subscription."
    }
  }
}

data "azurerm_subnet" "network" {
  for_each = merge([
    for k, v in data.azurerm_virtual_network.network : { for n in v.subnets : "${k}/${n}" => { vnet = v.name, rg = v.resource_group_name, name = n } }
  ]...)
  name                 = each.value.name
  virtual_network_name = each.value.vnet
  resource_group_name  = each.value.rg
}

locals {
  # Adopted subnets by role, by their names: database subnets must already be delegated
  # (Microsoft.DBforPostgreSQL/flexibleServers, Microsoft.DBforMySQL/flexibleServers) and have
  # "postgres" / "mysql" in their names; Azure's own special subnets are never used for nodes.
  special_subnets = ["gatewaysubnet", "azurefirewallsubnet", "azurefirewallmanagementsubnet", "azurebastionsubnet", "routeserversubnet"]
  adopted_subnets = { for key, s in data.azurerm_subnet.network : s.name => s }
  adopted_node_names = sort([
    for n, s in local.adopted_subnets : n
    if !contains(local.special_subnets, lower(n)) && !can(regex("(?i)postgres|mysql|endpoint", n))
  ])
  adopted_postgres  = try([for n in sort(keys(local.adopted_subnets)) : local.adopted_subnets[n] if can(regex("(?i)postgres", n))][0], null)
  adopted_mysql     = try([for n in sort(keys(local.adopted_subnets)) : local.adopted_subnets[n] if can(regex("(?i)mysql", n))][0], null)
  adopted_endpoints = try([for n in sort(keys(local.adopted_subnets)) : local.adopted_subnets[n] if can(regex("(?i)endpoint", n))][0], null)

  # The vine's network, created or adopted, as the other kinds see it.
  vnet_id   = one(concat([for v in azurerm_virtual_network.network : v.id], [for v in data.azurerm_virtual_network.network : v.id]))
  vnet_name = one(concat([for v in azurerm_virtual_network.network : v.name], [for v in data.azurerm_virtual_network.network : v.name]))
  vnet_cidrs = local.adopting ? flatten([for v in data.azurerm_virtual_network.network : v.address_space]) : (
    length(local.created_network) > 0 ? [local.cidr] : []
  )
  node_subnets = local.adopting ? [
    for n in local.adopted_node_names : { id = local.adopted_subnets[n].id, cidr = local.adopted_subnets[n].address_prefixes[0] }
    ] : [
    for i in range(length(local.network_private)) : {
      id   = azurerm_subnet.network__private["${local.net_key}/${i}"].id
      cidr = local.network_private["${local.net_key}/${i}"].cidr
    }
  ]
  postgres_subnet_id = local.adopting ? try(local.adopted_postgres.id, null) : try(azurerm_subnet.network__postgres[local.net_key].id, null)
  mysql_subnet_id    = local.adopting ? try(local.adopted_mysql.id, null) : try(azurerm_subnet.network__mysql[local.net_key].id, null)
  endpoint_subnet_id = local.adopting ? try(coalesce(try(local.adopted_endpoints.id, null), local.node_subnets[0].id), null) : try(azurerm_subnet.network__endpoints[local.net_key].id, null)
  # Known at plan: does the vine have a subnet for this role?
  has_postgres_subnet = local.adopting ? local.adopted_postgres != null : length(local.network_postgres) > 0
  has_mysql_subnet    = local.adopting ? local.adopted_mysql != null : length(local.network_mysql) > 0
  has_endpoint_subnet = local.adopting ? (local.adopted_endpoints != null || length(local.adopted_node_names) > 0) : length(local.network_endpoints) > 0
}

output "network" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, c in local.network : k => {
      id                 = local.vnet_id
      arn                = local.vnet_id
      name               = local.vnet_name
      cidr_block         = local.adopting ? try(local.vnet_cidrs[0], null) : local.cidr
      availability_zones = local.production ? [for i in range(min(length(local.node_subnets), 3)) : local.zone_of[i]] : []
      private_subnets    = [for s in local.node_subnets : s.id]
      # Azure subnets are neither public nor private: outbound goes through the NAT gateway, and
      # inbound only through load balancers.
      public_subnets = []
      nat_gateways   = [for key in sort(keys(azurerm_nat_gateway.network__nat)) : azurerm_nat_gateway.network__nat[key].id]
    }
  }
}
