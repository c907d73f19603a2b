# repositories: one Argo CD Application on the vine's cluster, from the pinned argocd-apps Helm
# chart (not kubernetes_manifest, which needs a reachable cluster at plan time and so breaks the
# first apply). Only when the vine has a cluster with argocd_enabled; otherwise nothing is created
# (the check says so) and argocd_application is null.

variable "repositories" {
  type    = any
  default = null
}

locals {
  repositories = { for _, c in { x = var.repositories } : try(c.name, "repositories") => c if c != null }
  # argocd-apps 2.0.2 takes `applications` as a map.
  argocd_apps_chart_version = "2.0.2"
  # The Application goes on the vine's cluster when it runs Argo CD.
  repositories_deployed = local.argocd_key == null ? {} : local.repositories
}

check "repositories_need_argocd" {
  assert {
    condition     = length(local.repositories) == 0 || local.argocd_key != null
    error_message = "repositories: no Argo CD Application is created until the vine has a cluster with argocd_enabled."
  }
}

resource "helm_release" "repositories" {
  for_each   = local.repositories_deployed
  name       = local.name["repositories/${each.key}"]["53"]
  namespace  = local.argocd_namespace
  repository = "https://argoproj.github.io/argo-helm"
  chart      = "argocd-apps"
  version    = local.argocd_apps_chart_version
  timeout    = 300
  atomic     = true

  values = [yamlencode({
    applications = {
      (local.name["repositories/${each.key}"]["53"]) = {
        name      = local.name["repositories/${each.key}"]["53"]
        namespace = local.argocd_namespace
        project   = "default"
        # Deleting the Application (the vine's destroy) deletes what it deployed first — load
        # balancers included, which would otherwise keep the VPC from being deleted.
        finalizers = ["resources-finalizer.argocd.argoproj.io"]
        source = {
          repoURL        = each.value.repo_url
          targetRevision = each.value.branch
          path           = try(coalesce(each.value.path), ".")
        }
        destination = {
          server    = "https://kubernetes.default.svc"
          namespace = "default"
        }
        syncPolicy = merge(
          { syncOptions = ["CreateNamespace=true"] },
          try(each.value.sync_policy, "manual") == "automated" ? { automated = { prune = true, selfHeal = true } } : {},
        )
      }
    }
  })]

  depends_on = [helm_release.cluster__argocd]
}

output "repositories" {
  description = "\"<name>\" → the component's outputs: exactly the contract's keys (../CONTRACT.md); nothing secret."
  value = {
    for k, c in local.repositories : k => {
      # null until the vine has a cluster running Argo CD (nothing is created before).
      argocd_application = contains(keys(local.repositories_deployed), k) ? local.name["repositories/${k}"]["53"] : null
      repo_url           = try(c.repo_url, null)
      branch             = try(c.branch, null)
      path               = try(c.path, null)
      sync_policy        = try(c.sync_policy, null)
    }
  }
}
