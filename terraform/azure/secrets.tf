# secrets: a Key Vault secret in the vine's vault (main.tf) holding the user's value (from
# var.secret_values) or a generated one of generate_length characters. recovery_window_days sets
# the vault's soft-delete retention (the vine's longest, clamped to Azure's 7–90 days).

variable "secrets" {
  type    = any
  default = {}
}

locals {
  # A secret's value never travels with its settings (it is in var.secret_values, sensitive).
  secrets = { for k, c in merge(var.secrets) : k => { for f, v in c : f => v if f != "value" } }
  # Secrets given by the user (names only: the values stay sensitive).
  user_secret_names = nonsensitive(toset(keys(var.secret_values)))
  # recovery_window_days: the vault's soft-delete retention (Key Vault keeps deleted secrets 7–90
  # days, one setting for the whole vault): the vine's longest recovery window, or the stage's.
  vault_retention = min(max(concat(
    [for k, c in local.secrets : try(c.recovery_window_days, 0)],
    [local.production ? 30 : 7],
  )...), 90)
  vault_retention_days = max(local.vault_retention, 7)
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

output "secrets" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, c in local.secrets : k => {
      name         = azurerm_key_vault_secret.secrets[k].name
      arn          = azurerm_key_vault_secret.secrets[k].resource_versionless_id
      value_source = contains(local.user_secret_names, k) ? "user" : "generated"
    }
  }
}
