# cluster: AKS with a system node pool (critical add-ons only) and autoscaling user node pools —
# one per node subnet of the vine's network (in production each pinned to its subnet's zone), or
# one in AKS's own VNet when the vine has no network. Azure CNI Overlay with Cilium on the vine's
# subnets, a user-assigned control-plane identity (Network Contributor on the VNet), OIDC issuer
# and workload identity, Entra ID with Azure RBAC for people. Production: Standard tier (SLA),
# zones, and a CanNotDelete lock. Argo CD (argocd_enabled) by Helm.

variable "cluster" {
  type    = any
  default = null
}

locals {
  cluster     = { for _, c in { x = var.cluster } : try(c.name, "cluster") => c if c != null }
  cluster_key = one(keys(local.cluster))
  kube        = try(azurerm_kubernetes_cluster.cluster[local.cluster_key].kube_admin_config[0], null)

  # User pools: one per node subnet, or one when AKS makes its own network.
  pool_count = max(length(local.node_subnets), 1)
  cluster_pools = {
    for i in range(local.pool_count) : "${local.cluster_key}/${i}" => {
      index     = i
      subnet_id = try(local.node_subnets[i].id, null)
      zone      = local.zone_of[i]
    } if local.cluster_key != null
  }
  # node_min..node_max is the cluster's total, shared between the pools (rounded up).
  node_min  = max(try(local.cluster[local.cluster_key].node_min, 1), 0)
  node_max  = max(try(local.cluster[local.cluster_key].node_max, 3), local.node_min, 1)
  pool_min  = ceil(local.node_min / local.pool_count)
  pool_max  = max(ceil(local.node_max / local.pool_count), local.pool_min, 1)
  node_size = try(local.cluster[local.cluster_key].node_size, "small")
  k8s_ver   = try(local.cluster[local.cluster_key].kubernetes_version, null)

  # Service and pod ranges of the overlay: they must not overlap the VNet.
  service_cidr = "172.20.0.0/16"
  pod_cidr     = "172.21.0.0/16"
  reserved     = { start = 2886991872, end = 2887122943 } # 172.20.0.0 – 172.21.255.255
  vnet_ranges = [for c in local.vnet_cidrs : {
    start = sum([for i, o in split(".", cidrhost(c, 0)) : tonumber(o) * pow(256, 3 - i)])
    size  = pow(2, 32 - tonumber(split("/", c)[1]))
  }]
  overlay_overlaps = anytrue([for r in local.vnet_ranges : r.start <= local.reserved.end && r.start + r.size - 1 >= local.reserved.start])

  # Argo CD's server: an internal load balancer at a fixed address near the end of the first node
  # subnet (reachable from the VNet and its peerings only); without a vine network, no address.
  argocd_ip = try(cidrhost(local.node_subnets[0].cidr, -2), null)
  argocd    = { for k, c in local.cluster : k => c if try(c.argocd_enabled, false) }
}

resource "azurerm_user_assigned_identity" "cluster__identity" {
  for_each            = local.cluster
  name                = "${local.rn["cluster/${each.key}"]}-identity"
  location            = azurerm_resource_group.vine.location
  resource_group_name = azurerm_resource_group.vine.name
  tags                = local.tags
}

# The nodes' identity (kubelet): pulls images from the vine's registries (AcrPull, artifacts.tf).
# Made here rather than by AKS so its principal is known to Terraform before the cluster exists.
resource "azurerm_user_assigned_identity" "cluster__kubelet" {
  for_each            = local.cluster
  name                = "${local.rn["cluster/${each.key}"]}-kubelet"
  location            = azurerm_resource_group.vine.location
  resource_group_name = azurerm_resource_group.vine.name
  tags                = local.tags
}

# AKS's control plane assigns the kubelet identity to the nodes.
resource "azurerm_role_assignment" "cluster__kubelet_operator" {
  for_each                         = local.cluster
  scope                            = azurerm_user_assigned_identity.cluster__kubelet[each.key].id
  role_definition_name             = "Managed Identity Operator"
  principal_id                     = azurerm_user_assigned_identity.cluster__identity[each.key].principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

# The control plane joins the node subnets, places internal load balancers and uses the NAT gateway.
resource "azurerm_role_assignment" "cluster__network" {
  for_each                         = { for k, c in local.cluster : k => c if local.has_network }
  scope                            = local.vnet_id
  role_definition_name             = "Network Contributor"
  principal_id                     = azurerm_user_assigned_identity.cluster__identity[each.key].principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

resource "azurerm_kubernetes_cluster" "cluster" {
  for_each            = local.cluster
  name                = local.rn["cluster/${each.key}"]
  location            = azurerm_resource_group.vine.location
  resource_group_name = azurerm_resource_group.vine.name
  node_resource_group = substr("${local.rn["cluster/${each.key}"]}-nodes", 0, 80)
  dns_prefix          = replace(substr(local.rn["cluster/${each.key}"], 0, 54), "/-+$/", "")
  kubernetes_version  = local.k8s_ver
  sku_tier            = local.production ? "Standard" : "Free"
  tags                = local.tags

  automatic_upgrade_channel         = "patch"
  node_os_upgrade_channel           = "NodeImage"
  oidc_issuer_enabled               = true
  workload_identity_enabled         = true
  role_based_access_control_enabled = true
  image_cleaner_enabled             = true
  image_cleaner_interval_hours      = 48
  # People sign in with Entra ID (Azure RBAC roles on the cluster); Terraform keeps the admin
  # certificate (kube_admin_config) to install Argo CD, so local accounts stay enabled.
  local_account_disabled = false

  azure_active_directory_role_based_access_control {
    azure_rbac_enabled = true
    tenant_id          = data.azurerm_client_config.current.tenant_id
  }

  default_node_pool {
    name                         = "system"
    vm_size                      = local.sizes.aks_system[local.node_size]
    orchestrator_version         = local.k8s_ver
    auto_scaling_enabled         = true
    min_count                    = local.production ? 3 : 1
    max_count                    = local.production ? 5 : 2
    only_critical_addons_enabled = true
    vnet_subnet_id               = try(local.node_subnets[0].id, null)
    zones                        = local.production ? ["1", "2", "3"] : null
    os_sku                       = "AzureLinux"
    temporary_name_for_rotation  = "systemtmp"
    tags                         = local.tags

    upgrade_settings {
      max_surge = "10%"
    }
  }

  identity {
    type         = "UserAssigned"
    identity_ids = [azurerm_user_assigned_identity.cluster__identity[each.key].id]
  }

  kubelet_identity {
    client_id                 = azurerm_user_assigned_identity.cluster__kubelet[each.key].client_id
    object_id                 = azurerm_user_assigned_identity.cluster__kubelet[each.key].principal_id
    user_assigned_identity_id = azurerm_user_assigned_identity.cluster__kubelet[each.key].id
  }

  network_profile {
    network_plugin      = "azure"
    network_plugin_mode = "overlay"
    network_data_plane  = "cilium"
    network_policy      = "cilium"
    load_balancer_sku   = "standard"
    outbound_type       = length(local.network_nat) > 0 ? "userAssignedNATGateway" : "loadBalancer"
    service_cidr        = local.service_cidr
    dns_service_ip      = cidrhost(local.service_cidr, 10)
    pod_cidr            = local.pod_cidr
  }

  lifecycle {
    ignore_changes = [default_node_pool[0].node_count]
    precondition {
      condition     = !local.overlay_overlaps
      error_message = "cluster/${each.key}: the VNet's address space overlaps 172.20.0.0/15, which AKS uses for its services and pods here. Choose another cidr_block (10.0.0.0/16 by default)."
    }
    precondition {
      condition     = local.node_max >= 1 && try(each.value.node_max, 1) >= try(each.value.node_min, 0)
      error_message = "cluster/${each.key}: node_max must be at least 1 and at least node_min."
    }
  }

  depends_on = [
    azurerm_role_assignment.cluster__network,
    azurerm_role_assignment.cluster__kubelet_operator,
    azurerm_subnet_nat_gateway_association.network__nat,
    azurerm_nat_gateway_public_ip_association.network__nat,
    azurerm_subnet_network_security_group_association.network__nsg,
  ]
}

resource "azurerm_kubernetes_cluster_node_pool" "cluster__pool" {
  for_each              = local.cluster_pools
  name                  = "user${each.value.index}"
  kubernetes_cluster_id = azurerm_kubernetes_cluster.cluster[local.cluster_key].id
  mode                  = "User"
  vm_size               = local.sizes.aks_node[local.node_size]
  orchestrator_version  = local.k8s_ver
  auto_scaling_enabled  = true
  min_count             = local.pool_min
  max_count             = local.pool_max
  vnet_subnet_id        = each.value.subnet_id
  zones                 = local.production ? [each.value.zone] : null
  os_sku                = "AzureLinux"
  tags                  = local.tags

  upgrade_settings {
    max_surge = "10%"
  }

  lifecycle {
    ignore_changes = [node_count]
  }
}

# Production: Azure's deletion protection. Terraform removes the lock first on a deliberate destroy.
resource "azurerm_management_lock" "cluster__lock" {
  for_each   = { for k, c in local.cluster : k => c if local.production }
  name       = "vintner-cannot-delete"
  scope      = azurerm_kubernetes_cluster.cluster[each.key].id
  lock_level = "CanNotDelete"
  notes      = "Production cluster of ${var.name_prefix} (Vintner). Destroy the vine in Vintner to remove it."
  # A lock covers the cluster's children: on destroy it goes before the node pools.
  depends_on = [azurerm_kubernetes_cluster_node_pool.cluster__pool]
}

resource "helm_release" "cluster__argocd" {
  for_each         = local.argocd
  name             = "argocd"
  namespace        = "argocd"
  create_namespace = true
  repository       = "https://argoproj.github.io/argo-helm"
  chart            = "argo-cd"
  version          = "8.5.0"
  wait             = true
  timeout          = 900
  cleanup_on_fail  = true
  max_history      = 5

  values = [yamlencode({
    global = { for k, v in { domain = local.argocd_ip } : k => v if v != null }
    configs = {
      params = { "server.insecure" = false }
    }
    controller = { replicas = 1 }
    server = {
      replicas = local.production ? 2 : 1
      service = {
        type = local.argocd_ip == null ? "ClusterIP" : "LoadBalancer"
        annotations = { for k, v in {
          "service.beta.kubernetes.io/azure-load-balancer-internal" = "true"
          "service.beta.kubernetes.io/azure-load-balancer-ipv4"     = local.argocd_ip
        } : k => v if local.argocd_ip != null }
      }
    }
    repoServer     = { replicas = local.production ? 2 : 1 }
    applicationSet = { replicas = local.production ? 2 : 1 }
    "redis-ha"     = { enabled = local.production }
  })]

  depends_on = [azurerm_kubernetes_cluster_node_pool.cluster__pool, azurerm_role_assignment.cluster__network]
}

output "cluster" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, c in local.cluster : k => {
      id                 = azurerm_kubernetes_cluster.cluster[k].id
      arn                = azurerm_kubernetes_cluster.cluster[k].id
      name               = azurerm_kubernetes_cluster.cluster[k].name
      endpoint           = "https://${azurerm_kubernetes_cluster.cluster[k].fqdn}:443"
      kubernetes_version = try(c.kubernetes_version, null)
      node_instance_type = local.sizes.aks_node[local.node_size]
      node_min           = try(c.node_min, null)
      node_max           = try(c.node_max, null)
      oidc_issuer_url    = azurerm_kubernetes_cluster.cluster[k].oidc_issuer_url
      argocd_url         = try(c.argocd_enabled, false) && local.argocd_ip != null ? "https://${local.argocd_ip}" : null
    }
  }
}
