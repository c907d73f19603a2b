# Argo CD only on a cluster with argocd_enabled; the repositories' Application only then.

mock_provider "azurerm" {
  mock_data "azurerm_client_config" {
    defaults = {
      subscription_id = "00000000-0000-0000-0000-000000000001"
      tenant_id       = "00000000-0000-0000-0000-000000000002"
      object_id       = "00000000-0000-0000-0000-000000000003"
    }
  }
}
mock_provider "helm" {}
mock_provider "random" {}

variables {
  vineyard     = "Acme"
  vine         = "Shop"
  stage        = "development"
  name_prefix  = "acme-shop-dev"
  region       = "eastus"
  network      = { name = "net", resource_name = "acme-shop-dev-net", cidr_block = "10.0.0.0/16", az_count = 1, nat_gateway = "single", existing_network_id = null }
  cluster      = { name = "k8s", resource_name = "acme-shop-dev-k8s", kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = true }
  repositories = { name = "deploy", resource_name = "acme-shop-dev-repo", repo_url = "https://github.com/example/deploy.git", branch = "development", path = "overlays/development", sync_policy = "automated" }
}

run "cluster_with_argocd_gets_argocd_and_the_application" {
  command = plan

  assert {
    condition     = length(helm_release.cluster__argocd) == 1 && helm_release.cluster__argocd["k8s"].chart == "argo-cd" && helm_release.cluster__argocd["k8s"].repository == "https://argoproj.github.io/argo-helm" && helm_release.cluster__argocd["k8s"].version == "8.5.0"
    error_message = "Argo CD is the pinned argo-cd chart"
  }
  assert {
    condition     = length(helm_release.repositories) == 1 && helm_release.repositories["deploy"].chart == "argocd-apps" && helm_release.repositories["deploy"].version == "2.0.2"
    error_message = "the repositories component is one argocd-apps release"
  }
  assert {
    condition     = yamldecode(helm_release.repositories["deploy"].values[0]).applications["acme-shop-dev-repo"].source.repoURL == "https://github.com/example/deploy.git" && yamldecode(helm_release.repositories["deploy"].values[0]).applications["acme-shop-dev-repo"].syncPolicy.automated.selfHeal == true
    error_message = "the Application follows the repository and syncs automatically"
  }
  assert {
    condition     = output.cluster["k8s"].argocd_url == "https://10.0.15.254" && output.repositories["deploy"].argocd_application == "acme-shop-dev-repo"
    error_message = "Argo CD's internal address and the Application's name are output"
  }
}

run "manual_sync" {
  command = plan

  variables {
    repositories = { name = "deploy", resource_name = "acme-shop-dev-repo", repo_url = "https://github.com/example/deploy.git", branch = "main", path = "", sync_policy = "manual" }
  }

  assert {
    condition     = yamldecode(helm_release.repositories["deploy"].values[0]).applications["acme-shop-dev-repo"].syncPolicy.automated == null
    error_message = "manual sync: no automated policy"
  }
}

run "cluster_without_argocd" {
  command = plan

  variables {
    cluster = { name = "k8s", resource_name = "acme-shop-dev-k8s", kubernetes_version = "1.31", node_size = "small", node_min = 1, node_max = 2, argocd_enabled = false }
  }

  expect_failures = [check.repositories_need_argocd]

  assert {
    condition     = length(helm_release.cluster__argocd) == 0 && length(helm_release.repositories) == 0
    error_message = "no Argo CD, no Application"
  }
  assert {
    condition     = output.cluster["k8s"].argocd_url == null && output.repositories["deploy"].argocd_application == null
    error_message = "no Argo CD URL, no Application name"
  }
}

run "no_cluster" {
  command = plan

  variables {
    cluster = null
  }

  expect_failures = [check.repositories_need_argocd]

  assert {
    condition     = length(azurerm_kubernetes_cluster.cluster) == 0 && length(helm_release.cluster__argocd) == 0 && length(helm_release.repositories) == 0
    error_message = "no cluster: no Helm release at all"
  }
}

run "cluster_without_a_vine_network" {
  command = plan

  variables {
    network      = null
    repositories = null
  }

  assert {
    condition     = length(azurerm_kubernetes_cluster_node_pool.cluster__pool) == 1 && azurerm_kubernetes_cluster_node_pool.cluster__pool["k8s/0"].vnet_subnet_id == null
    error_message = "without a vine network AKS makes its own, with one user pool"
  }
  assert {
    condition     = yamldecode(helm_release.cluster__argocd["k8s"].values[0]).server.service.type == "ClusterIP" && output.cluster["k8s"].argocd_url == null
    error_message = "with no VNet to be internal to, Argo CD is not exposed"
  }
}
