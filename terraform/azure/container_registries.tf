# container_registries: Azure Container Registry — Basic in development, Standard in staging,
# Premium in production (zone redundant, untagged manifests deleted after 7 days). No admin user and
# no anonymous pull; the vine's AKS kubelet identity gets AcrPull. keep_images → a daily ACR task
# running `acr purge --keep <keep_images>` (every repository keeps its newest tags; untagged
# manifests go too). immutable_tags and scan_on_push have no registry-wide switch on Azure: see
# docs/clouds/azure.md (tag locks per image, Microsoft Defender for Containers).

variable "container_registries" {
  type    = any
  default = {}
}

locals {
  container_registries = merge(var.container_registries)
  acr_sku              = local.production ? "Premium" : (var.stage == "staging" ? "Standard" : "Basic")
  # The purge task: every repository (.*), any age, keep the newest keep_images tags.
  acr_purge = {
    for k, c in local.container_registries : k => yamlencode({
      version = "v1.1.0"
      steps = [{
        cmd                             = "acr purge --filter '.*:.*' --ago 0d --keep ${max(floor(try(c.keep_images, 30)), 1)} --untagged"
        disableWorkingDirectoryOverride = true
        timeout                         = 3600
      }]
    })
  }
}

resource "azurerm_container_registry" "container_registries" {
  for_each                      = local.container_registries
  name                          = "${substr(replace(local.rn["container_registries/${each.key}"], "-", ""), 0, 46)}${local.uniq["container_registries/${each.key}"]}"
  location                      = azurerm_resource_group.vine.location
  resource_group_name           = azurerm_resource_group.vine.name
  sku                           = local.acr_sku
  admin_enabled                 = false
  anonymous_pull_enabled        = false
  public_network_access_enabled = true
  zone_redundancy_enabled       = local.acr_sku == "Premium" && local.production
  retention_policy_in_days      = local.acr_sku == "Premium" ? 7 : null
  # What Azure cannot switch on per registry (docs/clouds/azure.md): recorded on the registry for
  # Microsoft Defender for Containers / Azure Policy and people to see, not enforced here.
  tags = merge(local.tags, {
    vintner-scan-on-push   = tostring(try(each.value.scan_on_push, false))
    vintner-immutable-tags = tostring(try(each.value.immutable_tags, false))
  })
}

resource "azurerm_container_registry_task" "container_registries__purge" {
  for_each              = local.container_registries
  name                  = "vintner-purge"
  container_registry_id = azurerm_container_registry.container_registries[each.key].id
  tags                  = local.tags

  platform {
    os = "Linux"
  }

  encoded_step {
    task_content = base64encode(local.acr_purge[each.key])
  }

  timer_trigger {
    name     = "daily"
    schedule = "0 3 * * *"
    enabled  = true
  }
}

resource "azurerm_role_assignment" "container_registries__pull" {
  for_each                         = { for k, c in local.container_registries : k => c if local.cluster_key != null }
  scope                            = azurerm_container_registry.container_registries[each.key].id
  role_definition_name             = "AcrPull"
  principal_id                     = azurerm_user_assigned_identity.cluster__kubelet[local.cluster_key].principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

output "container_registries" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, c in local.container_registries : k => {
      name           = azurerm_container_registry.container_registries[k].name
      arn            = azurerm_container_registry.container_registries[k].id
      repository_url = azurerm_container_registry.container_registries[k].login_server
      immutable_tags = try(c.immutable_tags, false)
    }
  }
}
