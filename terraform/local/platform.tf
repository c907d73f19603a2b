# network, cluster (+ ArgoCD), dns, repositories: the singletons.

resource "terraform_data" "network" {
  for_each = local.network
  input    = each.value
}

resource "terraform_data" "network__ready" {
  for_each         = local.network
  triggers_replace = local.ready_triggers["network/${each.key}"]
  depends_on       = [terraform_data.network]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["network/${each.key}"]
  }
}

resource "terraform_data" "cluster" {
  for_each   = local.cluster
  input      = each.value
  depends_on = [terraform_data.network__ready]
}

resource "terraform_data" "cluster__ready" {
  for_each         = local.cluster
  triggers_replace = local.ready_triggers["cluster/${each.key}"]
  depends_on       = [terraform_data.cluster]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["cluster/${each.key}"]
  }
}

# ArgoCD, installed by Helm on the real targets.
resource "terraform_data" "cluster__argocd" {
  for_each = { for k, c in local.cluster : k => c if try(c.argocd_enabled, false) }
  input = {
    chart     = "argo-cd"
    version   = "7.7.10"
    namespace = "argocd"
    host      = "argocd.${local.rn["cluster/${each.key}"]}.${local.dns_suffix}"
  }
  depends_on = [terraform_data.cluster__ready]
}

resource "terraform_data" "dns" {
  for_each = local.dns
  input    = each.value
}

resource "terraform_data" "dns__ready" {
  for_each         = local.dns
  triggers_replace = local.ready_triggers["dns/${each.key}"]
  depends_on       = [terraform_data.dns]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["dns/${each.key}"]
  }
}

# Git repository references: ArgoCD applications on the cluster.
resource "terraform_data" "repositories" {
  for_each   = local.repositories
  input      = each.value
  depends_on = [terraform_data.cluster__ready, terraform_data.cluster__argocd]
}

resource "terraform_data" "repositories__ready" {
  for_each         = local.repositories
  triggers_replace = local.ready_triggers["repositories/${each.key}"]
  depends_on       = [terraform_data.repositories]
  provisioner "local-exec" {
    interpreter = ["/bin/sh"]
    command     = "${path.module}/ready.sh"
    environment = local.ready_env["repositories/${each.key}"]
  }
}
