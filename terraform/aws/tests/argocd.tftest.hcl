# Argo CD only on a cluster with argocd_enabled; the repositories' Application only then.
mock_provider "aws" {
  mock_data "aws_availability_zones" {
    defaults = { names = ["us-east-1a", "us-east-1b", "us-east-1c"] }
  }
  mock_data "aws_partition" {
    defaults = { partition = "aws", dns_suffix = "amazonaws.com" }
  }
  mock_data "aws_iam_policy_document" {
    defaults = { json = "{\"Version\":\"2012-10-17\",\"Statement\":[]}" }
  }
  # Realistic identifiers where the provider validates the argument that receives them.
  mock_resource "aws_iam_role" {
    defaults = { arn = "arn:aws:iam::123456789012:role/vintner-mock" }
  }
  mock_resource "aws_sns_topic" {
    defaults = { arn = "arn:aws:sns:us-east-1:123456789012:mock" }
  }
  mock_resource "aws_launch_template" {
    defaults = { id = "lt-0123456789abcdef0", latest_version = 1 }
  }
  mock_resource "aws_cloudwatch_log_group" {
    defaults = { arn = "arn:aws:logs:us-east-1:123456789012:log-group:mock" }
  }
  mock_resource "aws_sqs_queue" {
    defaults = { arn = "arn:aws:sqs:us-east-1:123456789012:mock", url = "https://sqs.us-east-1.amazonaws.com/123456789012/mock" }
  }
}
mock_provider "helm" {}
mock_provider "random" {}
mock_provider "tls" {}

variables {
  vineyard    = "Acme"
  vine        = "Shop"
  region      = "us-east-1"
  name_prefix = "acme-shop-stg"
  stage       = "staging"
  network = {
    name       = "network", resource_name = "acme-shop-stg-net"
    cidr_block = "10.0.0.0/16", az_count = 2, nat_gateway = "single", existing_network_id = null
  }
  cluster = {
    name               = "cluster", resource_name = "acme-shop-stg-k8s"
    kubernetes_version = "1.31", node_size = "medium", node_min = 2, node_max = 4, argocd_enabled = true
  }
  repositories = {
    name     = "repositories", resource_name = "acme-shop-stg-repo"
    repo_url = "https://github.com/example/deploy.git", branch = "staging", path = "overlays/staging", sync_policy = "automated"
  }
}

run "argocd_and_the_application_with_a_cluster" {
  command = plan

  assert {
    condition     = length(helm_release.cluster__argocd) == 1 && helm_release.cluster__argocd["cluster"].chart == "argo-cd"
    error_message = "argocd_enabled: Argo CD is installed from its Helm chart"
  }
  assert {
    condition     = helm_release.cluster__argocd["cluster"].repository == "https://argoproj.github.io/argo-helm" && can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", helm_release.cluster__argocd["cluster"].version))
    error_message = "the argo-cd chart comes from argo-helm at a pinned version"
  }
  assert {
    condition     = length(helm_release.repositories) == 1 && helm_release.repositories["repositories"].chart == "argocd-apps" && can(regex("^[0-9]+\\.[0-9]+\\.[0-9]+$", helm_release.repositories["repositories"].version))
    error_message = "the Application comes from the pinned argocd-apps chart"
  }
  assert {
    condition = (
      yamldecode(helm_release.repositories["repositories"].values[0]).applications["acme-shop-stg-repo"].source
      == { repoURL = "https://github.com/example/deploy.git", targetRevision = "staging", path = "overlays/staging" }
    )
    error_message = "repo_url, branch → targetRevision and path make the Application's source"
  }
  assert {
    condition     = yamldecode(helm_release.repositories["repositories"].values[0]).applications["acme-shop-stg-repo"].syncPolicy.automated.selfHeal
    error_message = "sync_policy = automated: automated sync"
  }
  assert {
    condition     = output.repositories["repositories"].argocd_application == "acme-shop-stg-repo"
    error_message = "the output names the Application"
  }
}

run "manual_sync" {
  command = plan

  variables {
    repositories = {
      name     = "repositories", resource_name = "acme-shop-stg-repo"
      repo_url = "https://github.com/example/deploy.git", branch = "main", path = "", sync_policy = "manual"
    }
  }

  assert {
    condition     = !can(yamldecode(helm_release.repositories["repositories"].values[0]).applications["acme-shop-stg-repo"].syncPolicy.automated)
    error_message = "sync_policy = manual: no automated sync"
  }
  assert {
    condition     = yamldecode(helm_release.repositories["repositories"].values[0]).applications["acme-shop-stg-repo"].source.path == "."
    error_message = "an empty path is the repository's root"
  }
}

run "no_argocd_when_disabled" {
  command = plan

  variables {
    cluster = {
      name               = "cluster", resource_name = "acme-shop-stg-k8s"
      kubernetes_version = "1.31", node_size = "medium", node_min = 2, node_max = 4, argocd_enabled = false
    }
  }

  assert {
    condition     = length(helm_release.cluster__argocd) == 0 && length(helm_release.repositories) == 0
    error_message = "argocd_enabled = false: neither Argo CD nor the Application"
  }
  assert {
    condition     = output.cluster["cluster"].argocd_url == null && output.repositories["repositories"].argocd_application == null
    error_message = "no Argo CD: no URL, no Application"
  }
  # The check block warns that the Application waits for Argo CD.
  expect_failures = [check.repositories_need_argocd]
}

run "no_argocd_without_a_cluster" {
  command = plan

  variables {
    cluster = null
  }

  assert {
    condition     = length(helm_release.cluster__argocd) == 0 && length(helm_release.repositories) == 0 && length(aws_eks_cluster.cluster) == 0
    error_message = "no cluster: no Argo CD, no Application"
  }
  expect_failures = [check.repositories_need_argocd]
}
