# secrets: a Secret Manager secret (replicated in the vine's region) and one version holding
# secret_values[name], or a generated password of generate_length characters when the user gave
# none. recovery_window_days → delayed destruction of replaced versions (version_destroy_ttl: a
# destroyed version stays disabled, restorable, that long); 0 → destroyed at once.

variable "secrets" {
  type    = any
  default = {}
}

locals {
  # A secret's value never travels with its settings (it is in var.secret_values, sensitive).
  secrets = { for k, c in merge(var.secrets) : k => { for f, v in c : f => v if f != "value" } }
  # Which secrets the user gave a value for: names only, not secret.
  secrets_user      = nonsensitive(toset(keys(var.secret_values)))
  secrets_generated = { for k, c in local.secrets : k => c if !contains(local.secrets_user, k) }
}

resource "random_password" "secrets__generated" {
  for_each = local.secrets_generated
  length   = try(each.value.generate_length, 32)
  special  = true
  # No quotes, backslashes or spaces: safe in env files, YAML and shells.
  override_special = "!#%*+-=?@^_~"
  min_lower        = 1
  min_upper        = 1
  min_numeric      = 1
}

resource "google_secret_manager_secret" "secrets" {
  for_each  = local.secrets
  secret_id = local.rn["secrets/${each.key}"]
  labels    = local.component_labels["secrets/${each.key}"]
  annotations = try(each.value.description, "") == "" ? null : {
    description = each.value.description
  }
  version_destroy_ttl = try(each.value.recovery_window_days, 0) > 0 ? "${each.value.recovery_window_days * 86400}s" : null
  deletion_protection = local.production

  replication {
    user_managed {
      replicas {
        location = var.region
      }
    }
  }
}

resource "google_secret_manager_secret_version" "secrets__value" {
  for_each    = local.secrets
  secret      = google_secret_manager_secret.secrets[each.key].id
  secret_data = contains(local.secrets_user, each.key) ? var.secret_values[each.key] : try(random_password.secrets__generated[each.key].result, null)
}

output "secrets" {
  description = "\"<name>\" → the secret's outputs (terraform/CONTRACT.md); never its value."
  value = {
    for k, c in local.secrets : k => {
      name         = google_secret_manager_secret.secrets[k].secret_id
      arn          = google_secret_manager_secret.secrets[k].id
      value_source = contains(local.secrets_user, k) ? "user" : "generated"
    }
  }
}
