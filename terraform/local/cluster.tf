# cluster: The Kubernetes cluster (+ Argo CD when argocd_enabled). See ../CONTRACT.md.
variable "cluster" {
  type    = any
  default = null
}

locals {
  # 0 or 1 entry keyed by the component's name.
  cluster     = { for _, c in { x = var.cluster } : try(c.name, "cluster") => c if c != null }
  cluster_rn  = { for n, c in local.cluster : n => try(c.resource_name, "${var.name_prefix}-k8s") }
  cluster_hex = { for n, _ in local.cluster : n => sha1("${var.name_prefix}/cluster/${n}") }
}
resource "terraform_data" "cluster" {
  for_each   = local.cluster
  input      = each.value
  depends_on = [terraform_data.network__ready]
}

# The sandbox's knobs (ready.sh): apply_delay_seconds and fail_components; replaced when the
# settings change, so the delay and the failure happen on updates too.
resource "terraform_data" "cluster__ready" {
  for_each         = local.cluster
  triggers_replace = { settings = sha256(jsonencode(each.value)), fail = contains(var.fail_components, "cluster/${each.key}") }
  depends_on       = [terraform_data.cluster]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = {
      VINTNER_COMPONENT     = "cluster/${each.key}"
      VINTNER_RESOURCE_NAME = local.cluster_rn[each.key]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, "cluster/${each.key}"))
    }
  }
}

# Argo CD, installed by Helm on the cloud targets.
resource "terraform_data" "cluster__argocd" {
  for_each = { for k, c in local.cluster : k => c if try(c.argocd_enabled, false) }
  input = {
    chart     = "argo-cd"
    version   = "7.7.10"
    namespace = "argocd"
    host      = "argocd.${local.cluster_rn[each.key]}.${local.dns_suffix}"
  }
  depends_on = [terraform_data.cluster__ready]
}

output "cluster" {
  description = "name → the component's outputs (the contract's keys)"
  value = {
    for k, c in local.cluster : k => {
      id                 = local.cluster_rn[k]
      arn                = "${local.arn_prefix}:cluster/${local.cluster_rn[k]}"
      name               = local.cluster_rn[k]
      endpoint           = "https://${local.cluster_rn[k]}.k8s.${local.dns_suffix}:6443"
      kubernetes_version = try(c.kubernetes_version, null)
      node_instance_type = "local.${try(c.node_size, "small")}"
      node_min           = try(c.node_min, null)
      node_max           = try(c.node_max, null)
      oidc_issuer_url    = "https://oidc.${local.dns_suffix}/id/${upper(substr(local.cluster_hex[k], 0, 32))}"
      argocd_url         = try(c.argocd_enabled, false) ? "https://${terraform_data.cluster__argocd[k].output.host}" : null
    }
  }
}
