# Nothing secret here: credentials (keys, or assume-role / web-identity settings) and custom
# endpoints reach the providers through the environment of the one Terraform process.
provider "aws" {
  region = var.region
  default_tags {
    tags = local.tags
  }
}

# Helm talks to the vine's EKS cluster. Until the cluster exists (first plan) or when the vine has
# none, everything here is unknown or null and no Helm resource is planned against it. The token
# comes from `aws eks get-token` at each call (a data-source token is read at plan time and lives
# 15 minutes: too short for a saved plan applied later or a cluster that takes 15 minutes to
# create), with the same environment credentials: the worker needs the AWS CLI on PATH.
provider "helm" {
  kubernetes = {
    host                   = local.eks_endpoint
    cluster_ca_certificate = local.eks_ca == null ? null : base64decode(local.eks_ca)
    exec = local.eks_name == null ? null : {
      api_version = "client.authentication.k8s.io/v1beta1"
      command     = "aws"
      args        = ["eks", "get-token", "--cluster-name", local.eks_name, "--region", var.region, "--output", "json"]
    }
  }
}
