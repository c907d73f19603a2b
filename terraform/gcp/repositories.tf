# repositories: one Argo CD Application (repo_url, branch, path, sync_policy), installed with the
# pinned argocd-apps chart on the vine's cluster. Only when the vine has a cluster with Argo CD;
# otherwise nothing is created (a check warns) and argocd_application is null.

variable "repositories" {
  type    = any
  default = null
}

locals {
  repositories = { for _, c in { x = var.repositories } : try(c.name, "repositories") => c if c != null }
  # https://argoproj.github.io/argo-helm, chart argocd-apps 2.0.5.
  argocd_apps_chart_version = "2.0.5"
  repositories_enabled      = { for k, c in local.repositories : k => c if length(local.cluster_argocd) > 0 }
  # The Application's name: the component's resource name (a DNS label, ≤ 63 characters).
  repositories_app = { for k, c in local.repositories : k => local.rn["repositories/${k}"] }

  repositories_application = {
    for k, c in local.repositories : k => {
      applications = {
        (local.repositories_app[k]) = {
          namespace = "argocd"
          project   = "default"
          # Deleting the Application (vine destroy) first deletes what it deployed, load balancers
          # and disks included, so nothing is left behind in the network.
          finalizers = ["resources-finalizer.argocd.argoproj.io"]
          additionalLabels = {
            "app.kubernetes.io/managed-by" = "vintner"
            "vintner.dev/vine"             = var.name_prefix
          }
          source = {
            repoURL        = try(c.repo_url, null)
            targetRevision = try(c.branch, "HEAD")
            path           = try(c.path, "") == "" ? "." : c.path
          }
          destination = {
            server    = "https://kubernetes.default.svc"
            namespace = var.name_prefix
          }
          syncPolicy = {
            syncOptions = ["CreateNamespace=true"]
          }
        }
      }
    }
  }
  # sync_policy automated: Argo CD syncs every change, prunes and self-heals; manual: it only
  # reports drift until someone syncs.
  repositories_automated = {
    for k, c in local.repositories : k => {
      applications = {
        (local.repositories_app[k]) = {
          syncPolicy = {
            automated = { prune = true, selfHeal = true }
          }
        }
      }
    }
  }
}

resource "helm_release" "repositories" {
  for_each   = local.repositories_enabled
  name       = substr("repositories-${each.key}", 0, 53)
  namespace  = "argocd"
  repository = "https://argoproj.github.io/argo-helm"
  chart      = "argocd-apps"
  version    = local.argocd_apps_chart_version
  wait       = true
  timeout    = 600

  # Helm merges the files in order: the Application, then (automated) its sync policy.
  values = concat(
    [yamlencode(local.repositories_application[each.key])],
    try(each.value.sync_policy, "manual") == "automated" ? [yamlencode(local.repositories_automated[each.key])] : [],
  )

  depends_on = [helm_release.cluster__argocd]
}

check "repositories_need_argocd" {
  assert {
    condition     = length(local.repositories) == 0 || length(local.cluster_argocd) > 0
    error_message = "repositories: the vine has no cluster with Argo CD (argocd_enabled), so no Application is installed."
  }
}

output "repositories" {
  description = "\"<name>\" → the Argo CD Application's outputs (terraform/CONTRACT.md)."
  value = {
    for k, c in local.repositories : k => {
      argocd_application = contains(keys(local.repositories_enabled), k) ? local.repositories_app[k] : null
      repo_url           = try(c.repo_url, null)
      branch             = try(c.branch, null)
      path               = try(c.path, null)
      sync_policy        = try(c.sync_policy, null)
    }
  }
}
