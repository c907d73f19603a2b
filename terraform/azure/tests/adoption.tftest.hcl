# existing_network_id / existing_zone_id: read, never created.

mock_provider "azurerm" {
  mock_data "azurerm_client_config" {
    defaults = {
      subscription_id = "00000000-0000-0000-0000-000000000001"
      tenant_id       = "00000000-0000-0000-0000-000000000002"
      object_id       = "00000000-0000-0000-0000-000000000003"
    }
  }
  mock_data "azurerm_subnet" {
    defaults = {
      address_prefixes = ["10.50.1.0/24"]
    }
  }
}
mock_provider "helm" {}
mock_provider "random" {}

override_data {
  target = data.azurerm_virtual_network.network["net"]
  values = {
    id                  = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shared-net/providers/Microsoft.Network/virtualNetworks/hub"
    name                = "hub"
    resource_group_name = "shared-net"
    address_space       = ["10.50.0.0/16"]
    subnets             = ["aks-nodes", "pg-postgres", "GatewaySubnet"]
  }
}

override_data {
  target = data.azurerm_dns_zone.dns["dns"]
  values = {
    id           = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shared-dns/providers/Microsoft.Network/dnsZones/example.com"
    name         = "example.com"
    name_servers = ["ns1-01.azure-dns.com.", "ns2-01.azure-dns.net."]
  }
}

variables {
  vineyard    = "Acme"
  vine        = "Shop"
  stage       = "staging"
  name_prefix = "acme-shop-stg"
  region      = "westeurope"
  network     = { name = "net", resource_name = "acme-shop-stg-net", cidr_block = "10.0.0.0/16", az_count = 2, nat_gateway = "single", existing_network_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shared-net/providers/Microsoft.Network/virtualNetworks/hub" }
  cluster     = { name = "k8s", resource_name = "acme-shop-stg-k8s", kubernetes_version = "1.31", node_size = "medium", node_min = 2, node_max = 4, argocd_enabled = true }
  dns         = { name = "dns", resource_name = "acme-shop-stg-dns", domain_name = "example.com", private_zone = false, existing_zone_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shared-dns/providers/Microsoft.Network/dnsZones/example.com" }
  databases   = { main = { name = "main", resource_name = "acme-shop-stg-db-main", engine = "postgres", engine_version = "16", size = "medium", storage_gb = 50, high_availability = false, backup_retention_days = 7 } }
  caches      = { sessions = { name = "sessions", resource_name = "acme-shop-stg-cache-sessions", engine = "valkey", size = "medium", node_count = 2, high_availability = false } }
}

run "adopted_network_and_zone_are_read_not_created" {
  command = plan

  assert {
    condition     = length(azurerm_virtual_network.network) == 0 && length(azurerm_subnet.network__private) == 0 && length(azurerm_subnet.network__postgres) == 0 && length(azurerm_subnet.network__mysql) == 0 && length(azurerm_subnet.network__endpoints) == 0
    error_message = "adoption creates no VNet and no subnet"
  }
  assert {
    condition     = length(azurerm_nat_gateway.network__nat) == 0 && length(azurerm_public_ip.network__nat) == 0 && length(azurerm_network_security_group.network__nsg) == 0 && length(azurerm_subnet_network_security_group_association.network__nsg) == 0
    error_message = "adoption creates nothing of the network"
  }
  assert {
    condition     = length(azurerm_dns_zone.dns) == 0 && length(azurerm_private_dns_zone.dns) == 0 && length(azurerm_private_dns_zone_virtual_network_link.dns__link) == 0
    error_message = "an adopted zone is not created"
  }
  assert {
    condition     = output.network["net"].id == "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shared-net/providers/Microsoft.Network/virtualNetworks/hub" && output.network["net"].cidr_block == "10.50.0.0/16"
    error_message = "the network's outputs are the adopted VNet's"
  }
  assert {
    condition     = length(output.network["net"].private_subnets) == 1 && output.network["net"].private_subnets[0] == data.azurerm_subnet.network["net/aks-nodes"].id
    error_message = "nodes use the adopted VNet's ordinary subnets (not the gateway's, not the database's)"
  }
  assert {
    condition     = azurerm_postgresql_flexible_server.databases["main"].delegated_subnet_id == data.azurerm_subnet.network["net/pg-postgres"].id
    error_message = "PostgreSQL goes into the adopted subnet named for it"
  }
  assert {
    condition     = azurerm_private_endpoint.caches__endpoint["sessions"].subnet_id == data.azurerm_subnet.network["net/aks-nodes"].id
    error_message = "with no endpoint subnet, private endpoints use the node subnet"
  }
  assert {
    condition     = azurerm_kubernetes_cluster.cluster["k8s"].network_profile[0].outbound_type == "loadBalancer"
    error_message = "an adopted network's egress is not ours to assume: AKS uses its load balancer"
  }
  assert {
    condition     = output.dns["dns"].zone_id == "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shared-dns/providers/Microsoft.Network/dnsZones/example.com" && length(output.dns["dns"].name_servers) == 2
    error_message = "the zone's outputs are the adopted zone's"
  }
  assert {
    condition     = azurerm_redis_cache.caches["sessions"].sku_name == "Standard"
    error_message = "valkey, two nodes, no HA: Azure Cache for Redis Standard"
  }
}

run "adopted_network_without_a_mysql_subnet_is_refused" {
  command = plan

  variables {
    databases = { old = { name = "old", resource_name = "acme-shop-stg-db-old", engine = "mysql", engine_version = "8.0", size = "medium", storage_gb = 50, high_availability = false, backup_retention_days = 7 } }
  }

  expect_failures = [azurerm_mysql_flexible_server.databases]
}

run "adopted_private_zone" {
  command = plan

  variables {
    dns = { name = "dns", resource_name = "acme-shop-stg-dns", domain_name = "internal.example", private_zone = true, existing_zone_id = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shared-dns/providers/Microsoft.Network/privateDnsZones/internal.example" }
  }

  override_data {
    target = data.azurerm_private_dns_zone.dns["dns"]
    values = {
      id   = "/subscriptions/00000000-0000-0000-0000-000000000001/resourceGroups/shared-dns/providers/Microsoft.Network/privateDnsZones/internal.example"
      name = "internal.example"
    }
  }

  assert {
    condition     = length(azurerm_private_dns_zone.dns) == 0 && length(azurerm_dns_zone.dns) == 0 && length(azurerm_private_dns_zone_virtual_network_link.dns__link) == 0
    error_message = "an adopted private zone is neither created nor linked"
  }
  assert {
    condition     = output.dns["dns"].private_zone == true && length(output.dns["dns"].name_servers) == 0
    error_message = "a private zone has no public name servers"
  }
}
