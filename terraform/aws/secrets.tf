# secrets: a Secrets Manager secret named vintner/<resource name> (so a policy can scope
# secretsmanager:* to …:secret:vintner/*) and its value: the user's, from var.secret_values, or a
# generated one of generate_length characters.
#
# The value is a write-only argument: the user's value never enters the state (a saved plan holds
# it only as the variable's value, which Vintner redacts from the plan JSON it keeps). A
# generated value lives in the state as random_password's result (kept so it stays stable across
# applies). The version number tells the provider when to write again: for a user's value a 32-bit
# hash of it (so a changed value is written, the same one not), for a generated one its length (a
# new length makes a new password).

variable "secrets" {
  type    = any
  default = {}
}

locals {
  # A secret's value never travels with its settings (it is in var.secret_values, sensitive).
  secrets            = { for k, c in merge(var.secrets) : k => { for f, v in c : f => v if f != "value" } }
  secret_user_values = nonsensitive(toset(keys(var.secret_values)))
  secrets_generated  = { for k, c in local.secrets : k => c if !contains(local.secret_user_values, k) }
  # Secrets Manager: 0 (delete at once) or 7–30 days.
  secret_recovery_days = {
    for k, c in local.secrets : k => try(c.recovery_window_days, 30) == 0 ? 0 : min(max(try(c.recovery_window_days, 30), 7), 30)
  }
}

resource "aws_secretsmanager_secret" "secrets" {
  for_each                = local.secrets
  name                    = "vintner/${local.rn["secrets/${each.key}"]}"
  description             = coalesce(try(each.value.description, null), "Vintner secret ${each.key}")
  recovery_window_in_days = local.secret_recovery_days[each.key]
}

resource "random_password" "secrets__generated" {
  for_each = local.secrets_generated
  length   = try(each.value.generate_length, 32)
  special  = true
  # Characters that survive shells, URLs and YAML without quoting trouble.
  override_special = "-_.~!#%*+="
}

resource "aws_secretsmanager_secret_version" "secrets" {
  for_each  = local.secrets
  secret_id = aws_secretsmanager_secret.secrets[each.key].id
  secret_string_wo = (contains(local.secret_user_values, each.key)
    ? var.secret_values[each.key]
    : random_password.secrets__generated[each.key].result
  )
  secret_string_wo_version = (contains(local.secret_user_values, each.key)
    ? 1000 + parseint(substr(sha256(var.secret_values[each.key]), 0, 8), 16)
    : try(each.value.generate_length, 32)
  )
}

output "secrets" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = {
    for k, c in local.secrets : k => {
      name         = aws_secretsmanager_secret.secrets[k].name
      arn          = aws_secretsmanager_secret.secrets[k].arn
      value_source = contains(local.secret_user_values, k) ? "user" : "generated"
    }
  }
}
