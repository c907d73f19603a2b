# repositories: one Argo CD Application (the argocd-apps chart) on the vine's cluster. Only when the
# cluster runs Argo CD (argocd_enabled); otherwise nothing is created and a warning says why.

variable "repositories" {
  type    = any
  default = null
}

locals {
  repositories      = { for _, c in { x = var.repositories } : try(c.name, "repositories") => c if c != null }
  argocd_on         = length(local.argocd) > 0
  repositories_apps = { for k, c in local.repositories : k => c if local.argocd_on }
}

resource "helm_release" "repositories" {
  for_each   = local.repositories_apps
  name       = local.rn["repositories/${each.key}"]
  namespace  = "argocd"
  repository = "https://argoproj.github.io/argo-helm"
  chart      = "argocd-apps"
  version    = "2.0.2"
  wait       = true
  timeout    = 300

  values = [yamlencode({
    applications = {
      (local.rn["repositories/${each.key}"]) = {
        namespace = "argocd"
        project   = "default"
        source = {
          repoURL        = each.value.repo_url
          targetRevision = try(each.value.branch, "HEAD")
          path           = try(each.value.path, "")
        }
        destination = {
          server    = "https://kubernetes.default.svc"
          namespace = "default"
        }
        syncPolicy = {
          automated   = try(each.value.sync_policy, "manual") == "automated" ? { prune = true, selfHeal = true } : null
          syncOptions = ["CreateNamespace=true"]
        }
      }
    }
  })]

  depends_on = [helm_release.cluster__argocd]
}

check "repositories_need_argocd" {
  assert {
    condition     = length(local.repositories) == 0 || local.argocd_on
    error_message = "repositories: nothing is created until the vine has a cluster with argocd_enabled = true (the Argo CD Application runs in Argo CD)."
  }
}

output "repositories" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); `arn` is the Azure resource id; nothing secret."
  value = {
    for k, c in local.repositories : k => {
      argocd_application = local.argocd_on ? local.rn["repositories/${k}"] : null
      repo_url           = try(c.repo_url, null)
      branch             = try(c.branch, null)
      path               = try(c.path, null)
      sync_policy        = try(c.sync_policy, null)
    }
  }
}
