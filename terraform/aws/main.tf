# What every kind's file shares: the providers, every component's settings by "<kind>/<name>",
# names within AWS's limits, stage flags and tags. Each kind's variable, resources and output are in
# its <kind>.tf (../CONTRACT.md).
#
# Resource naming rule (src/terraform/ maps Terraform events back to components by it): everything
# belonging to component <kind>/<name> is <type>.<kind>["<name>"] or <type>.<kind>__<part>["<name>"]
# (keyed "<name>/<sub>" where a component has several of one part), for_each keyed by the
# component name — singletons too. Data sources of the whole vine start with no kind name.

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

locals {
  all = merge(
    { for k, c in local.network : "network/${k}" => c },
    { for k, c in local.cluster : "cluster/${k}" => c },
    { for k, c in local.dns : "dns/${k}" => c },
    { for k, c in local.repositories : "repositories/${k}" => c },
    { for k, c in local.databases : "databases/${k}" => c },
    { for k, c in local.caches : "caches/${k}" => c },
    { for k, c in local.queues : "queues/${k}" => c },
    { for k, c in local.topics : "topics/${k}" => c },
    { for k, c in local.nosql_tables : "nosql_tables/${k}" => c },
    { for k, c in local.container_registries : "container_registries/${k}" => c },
    { for k, c in local.secrets : "secrets/${k}" => c },
  )

  # Names. resource_name is DNS-safe already (the contract); this is belt and braces: anything
  # outside [a-z0-9-] becomes a hyphen, and a name that had to change gets 4 hex of the original so
  # two names that sanitise alike stay distinct.
  rn_given = { for id, c in local.all : id => try(coalesce(c.resource_name), "${var.name_prefix}-${split("/", id)[1]}") }
  rn_clean = { for id, r in local.rn_given : id => trim(replace(lower(r), "/[^a-z0-9]+/", "-"), "-") }
  rn = {
    for id, r in local.rn_given : id => (
      local.rn_clean[id] == r && can(regex("^[a-z]", r)) ? r :
      local.rn_clean[id] == "" ? "v-${substr(sha1(r), 0, 4)}" :
      "${can(regex("^[a-z]", local.rn_clean[id])) ? "" : "v-"}${local.rn_clean[id]}-${substr(sha1(r), 0, 4)}"
    )
  }
  # name[id][limit]: the name cut to `limit` characters, a cut name ending in 4 hex of the whole so
  # it stays unique and stable. AWS limits: ElastiCache ids 40, Helm releases 53, IAM roles 64
  # ("vintner-" + 47 + "-cluster"), RDS identifiers and EKS node groups 63, SQS 80 (70 + "-dlq" +
  # ".fifo").
  name = {
    for id, r in local.rn : id => {
      for limit in [40, 47, 53, 55, 63, 70] : tostring(limit) => (
        length(r) <= limit ? r : "${trimsuffix(substr(r, 0, limit - 5), "-")}-${substr(sha1(r), 0, 4)}"
      )
    }
  }

  is_production = var.stage == "production"
  log_retention = { development = 7, staging = 30, production = 90 }[var.stage]

  # Tag values: AWS allows letters, digits, spaces and _ . : / = + - @ (Unicode letters included),
  # at most 256 characters; anything else becomes "_".
  tags = {
    vineyard     = substr(trimspace(replace(var.vineyard, "/[^\\p{L}\\p{N}\\p{Zs}_.:/=+@-]/", "_")), 0, 256)
    vine         = substr(trimspace(replace(var.vine, "/[^\\p{L}\\p{N}\\p{Zs}_.:/=+@-]/", "_")), 0, 256)
    stage        = var.stage
    "managed-by" = "vintner"
  }
}

data "aws_partition" "current" {}

data "aws_caller_identity" "current" {}
