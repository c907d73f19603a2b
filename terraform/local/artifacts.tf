# container_registries, secrets.

resource "terraform_data" "container_registries" {
  for_each = local.registries
  input    = each.value
}

resource "terraform_data" "container_registries__ready" {
  for_each         = local.registries
  triggers_replace = local.ready_triggers["container_registries/${each.key}"]
  depends_on       = [terraform_data.container_registries]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["container_registries/${each.key}"]
  }
}

# A random seed per secret, kept in state (terraform_data's id is a UUID chosen at creation): a
# generated value is derived from it, so it is stable across applies and new for a new secret.
resource "terraform_data" "secrets__seed" {
  for_each = local.secrets
  input    = local.rn["secrets/${each.key}"]
}

resource "terraform_data" "secrets" {
  for_each = local.secrets
  input = merge(each.value, {
    value = sensitive(lookup(var.secret_values, each.key,
      substr(sha512("${terraform_data.secrets__seed[each.key].id}/${local.rn["secrets/${each.key}"]}"), 0, try(each.value.generate_length, 32))
    ))
  })
}

resource "terraform_data" "secrets__ready" {
  for_each         = local.secrets
  triggers_replace = local.ready_triggers["secrets/${each.key}"]
  depends_on       = [terraform_data.secrets]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["secrets/${each.key}"]
  }
}
