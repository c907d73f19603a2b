# container_registries: Azure Container Registry — Basic in development, Standard in staging,
# Premium in production (zone redundant, untagged manifests deleted after 7 days). No admin user and
# no anonymous pull; the vine's AKS kubelet identity gets AcrPull. keep_images → a daily ACR task
# running `acr purge --keep <keep_images>` (every repository keeps its newest tags; untagged
# manifests go too). immutable_tags and scan_on_push have no registry-wide switch on Azure: see
# docs/clouds/azure.md (tag locks per image, Microsoft Defender for Containers).
#
# secrets: one Key Vault per vine (RBAC authorization, purge protection in production, soft delete
# for recovery_window_days clamped to Azure's 7–90, fixed when the vault is created) holding every
# secret and the databases' passwords.
locals {
  acr_sku = local.production ? "Premium" : (var.stage == "staging" ? "Standard" : "Basic")
  # The purge task: every repository (.*), any age, keep the newest keep_images tags.
  acr_purge = {
    for k, c in local.registries : k => yamlencode({
      version = "v1.1.0"
      steps = [{
        cmd                             = "acr purge --filter '.*:.*' --ago 0d --keep ${max(floor(try(c.keep_images, 30)), 1)} --untagged"
        disableWorkingDirectoryOverride = true
        timeout                         = 3600
      }]
    })
  }

  vault_needed = length(local.secrets) + length(local.databases) > 0
  # Key Vault keeps deleted secrets 7–90 days; the vine's longest recovery window, or the stage's.
  vault_retention = min(max(concat(
    [for k, c in local.secrets : try(c.recovery_window_days, 0)],
    [local.production ? 30 : 7],
  )...), 90)
  vault_retention_days = max(local.vault_retention, 7)
  # Secrets given by the user (names only: the values stay sensitive).
  user_secret_names = nonsensitive(toset(keys(var.secret_values)))
}

resource "azurerm_container_registry" "container_registries" {
  for_each                      = local.registries
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
  for_each              = local.registries
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
  for_each                         = { for k, c in local.registries : k => c if local.cluster_key != null }
  scope                            = azurerm_container_registry.container_registries[each.key].id
  role_definition_name             = "AcrPull"
  principal_id                     = azurerm_user_assigned_identity.cluster__kubelet[local.cluster_key].principal_id
  principal_type                   = "ServicePrincipal"
  skip_service_principal_aad_check = true
}

resource "azurerm_key_vault" "vine" {
  count                      = local.vault_needed ? 1 : 0
  name                       = "${local.prefix16}-kv-${local.uniq_vine}"
  location                   = azurerm_resource_group.vine.location
  resource_group_name        = azurerm_resource_group.vine.name
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  rbac_authorization_enabled = true
  purge_protection_enabled   = local.production
  soft_delete_retention_days = local.vault_retention_days
  # Terraform (outside the VNet) writes the secrets; access is by Entra ID roles only.
  public_network_access_enabled = true
  tags                          = local.tags

  lifecycle {
    # Azure fixes the retention when the vault is created.
    ignore_changes = [soft_delete_retention_days]
  }
}

resource "random_password" "secrets__generated" {
  for_each         = { for k, c in local.secrets : k => c if !contains(local.user_secret_names, k) }
  length           = min(max(floor(try(each.value.generate_length, 32)), 8), 128)
  special          = true
  override_special = "!#%*-_=+.:~"
}

resource "azurerm_key_vault_secret" "secrets" {
  for_each     = local.secrets
  name         = local.rn["secrets/${each.key}"]
  key_vault_id = azurerm_key_vault.vine[0].id
  value        = contains(local.user_secret_names, each.key) ? var.secret_values[each.key] : random_password.secrets__generated[each.key].result
  content_type = "text/plain"
  tags         = merge(local.tags, { for d in [try(each.value.description, "")] : "description" => substr(d, 0, 256) if d != "" })
}
