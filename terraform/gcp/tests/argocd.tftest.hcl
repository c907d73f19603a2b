# Argo CD only with a cluster and argocd_enabled; the repositories' Application (argocd-apps chart)
# only when Argo CD is there.

mock_provider "google" {
  source = "./tests/mocks"
}
mock_provider "helm" {}
mock_provider "random" {}

variables {
  vineyard     = "Acme"
  vine         = "Shop"
  stage        = "development"
  name_prefix  = "acme-shop-dev"
  region       = "us-central1"
  network      = { name = "network", resource_name = "acme-shop-dev-net", cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = null }
  repositories = { name = "repositories", resource_name = "acme-shop-dev-repos", repo_url = "https://github.com/example/deploy.git", branch = "development", path = "overlays/development", sync_policy = "automated" }
}

run "cluster_with_argocd" {
  command = apply

  variables {
    cluster = { name = "cluster", resource_name = "acme-shop-dev-k8s", kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = true }
  }

  assert {
    condition     = length(helm_release.cluster__argocd) == 1 && length(helm_release.repositories) == 1
    error_message = "a cluster with Argo CD gets the argo-cd release and the repositories' Application"
  }
  assert {
    condition     = helm_release.cluster__argocd["cluster"].chart == "argo-cd" && helm_release.cluster__argocd["cluster"].repository == "https://argoproj.github.io/argo-helm" && can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", helm_release.cluster__argocd["cluster"].version))
    error_message = "Argo CD comes from the argo-helm repository's argo-cd chart at a pinned version"
  }
  assert {
    condition     = helm_release.repositories["repositories"].chart == "argocd-apps" && can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", helm_release.repositories["repositories"].version))
    error_message = "the Application comes from the pinned argocd-apps chart"
  }
  assert {
    condition     = yamldecode(helm_release.repositories["repositories"].values[0]).applications["acme-shop-dev-repos"].source.repoURL == "https://github.com/example/deploy.git" && yamldecode(helm_release.repositories["repositories"].values[0]).applications["acme-shop-dev-repos"].source.targetRevision == "development"
    error_message = "the Application follows repo_url and branch"
  }
  assert {
    condition     = length(helm_release.repositories["repositories"].values) == 2 && yamldecode(helm_release.repositories["repositories"].values[1]).applications["acme-shop-dev-repos"].syncPolicy.automated.selfHeal == true
    error_message = "sync_policy automated: automated sync with self-heal"
  }
  assert {
    condition     = yamldecode(helm_release.cluster__argocd["cluster"].values[0]).server.service.annotations["networking.gke.io/load-balancer-type"] == "Internal"
    error_message = "Argo CD's server is on an internal load balancer only"
  }
  assert {
    condition     = output.cluster["cluster"].argocd_url == "https://${google_compute_address.cluster__argocd["cluster"].address}"
    error_message = "argocd_url is the server's internal address"
  }
  assert {
    condition     = output.repositories["repositories"].argocd_application == "acme-shop-dev-repos"
    error_message = "argocd_application names the Application"
  }
}

run "cluster_without_argocd" {
  command = plan

  variables {
    cluster = { name = "cluster", resource_name = "acme-shop-dev-k8s", kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = false }
  }

  expect_failures = [check.repositories_need_argocd]

  assert {
    condition     = length(helm_release.cluster__argocd) == 0 && length(helm_release.repositories) == 0 && length(google_compute_address.cluster__argocd) == 0
    error_message = "argocd_enabled false: no Argo CD, no Application"
  }
}

run "no_cluster" {
  command = plan

  variables {
    cluster = null
  }

  expect_failures = [check.repositories_need_argocd]

  assert {
    condition     = length(helm_release.cluster__argocd) == 0 && length(helm_release.repositories) == 0 && length(google_container_cluster.cluster) == 0
    error_message = "no cluster: no Helm release at all"
  }
}

run "manual_sync" {
  command = plan

  variables {
    cluster      = { name = "cluster", resource_name = "acme-shop-dev-k8s", kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = true }
    repositories = { name = "repositories", resource_name = "acme-shop-dev-repos", repo_url = "https://github.com/example/deploy.git", branch = "main", path = "", sync_policy = "manual" }
  }

  assert {
    condition     = length(helm_release.repositories["repositories"].values) == 1 && yamldecode(helm_release.repositories["repositories"].values[0]).applications["acme-shop-dev-repos"].source.path == "."
    error_message = "sync_policy manual: no automated sync"
  }
}

run "argocd_needs_nat" {
  command = plan

  variables {
    network = { name = "network", resource_name = "acme-shop-dev-net", cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "none", existing_network_id = null }
    cluster = { name = "cluster", resource_name = "acme-shop-dev-k8s", kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = true }
  }

  expect_failures = [helm_release.cluster__argocd]
}
