# secrets: Secrets: the value the user gave (secret_values) or one generated from a seed kept in state. See ../CONTRACT.md.
variable "secrets" {
  type    = any
  default = {}
}

locals {
  secrets    = { for n, c in merge(var.secrets) : n => { for f, v in c : f => v if f != "value" } }
  secrets_rn = { for n, c in local.secrets : n => try(c.resource_name, "${var.name_prefix}-sec-${n}") }
}
# A random seed per secret, kept in state (terraform_data's id is a UUID chosen at creation): a
# generated value is derived from it, so it is stable across applies and new for a new secret.
resource "terraform_data" "secrets__seed" {
  for_each = local.secrets
  input    = local.secrets_rn[each.key]
}

resource "terraform_data" "secrets" {
  for_each = local.secrets
  input = merge(each.value, {
    value = sensitive(lookup(var.secret_values, each.key,
      substr(sha512("${terraform_data.secrets__seed[each.key].id}/${local.secrets_rn[each.key]}"), 0, try(each.value.generate_length, 32))
    ))
  })
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "secrets__ready" {
  for_each         = local.secrets
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "secrets/${each.key}") }
  depends_on       = [terraform_data.secrets]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "secrets/${each.key}"
      VINTNER_RESOURCE_NAME = local.secrets_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "secrets/${each.key}"))
    }
  }
}

output "secrets" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.secrets : k => {
      name         = local.secrets_rn[k]
      arn          = "${local.arn_prefix}:secrets/${local.secrets_rn[k]}"
      value_source = nonsensitive(contains(keys(var.secret_values), k)) ? "user" : "generated"
    }
  }
}
