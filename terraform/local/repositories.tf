# repositories: The Git repository reference: one Argo CD application on the cluster. See ../CONTRACT.md.
variable "repositories" {
  type    = any
  default = null
}

locals {
  # 0 or 1 entry keyed by the component's name.
  repositories     = { for _, c in { x = var.repositories } : try(c.name, "repositories") => c if c != null }
  repositories_rn  = { for n, c in local.repositories : n => try(c.resource_name, "${var.name_prefix}-git") }
  repositories_hex = { for n, _ in local.repositories : n => sha1("${var.name_prefix}/repositories/${n}") }
}
resource "terraform_data" "repositories" {
  for_each   = local.repositories
  input      = each.value
  depends_on = [terraform_data.cluster__ready, terraform_data.cluster__argocd]
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "repositories__ready" {
  for_each         = local.repositories
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "repositories/${each.key}") }
  depends_on       = [terraform_data.repositories]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "repositories/${each.key}"
      VINTNER_RESOURCE_NAME = local.repositories_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "repositories/${each.key}"))
    }
  }
}

output "repositories" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.repositories : k => {
      argocd_application = local.repositories_rn[k]
      repo_url           = try(c.repo_url, null)
      branch             = try(c.branch, null)
      path               = try(c.path, null)
      sync_policy        = try(c.sync_policy, null)
    }
  }
}
