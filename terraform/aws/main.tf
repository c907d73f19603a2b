# Resource naming rule (src/terraform/ maps Terraform events back to components by it): everything
# belonging to component <kind>/<name> is <type>.<kind>["<name>"] or <type>.<kind>__<part>["<name>"]
# (keyed "<name>/<sub>" where a component has several of one part), for_each keyed by the
# component name — singletons too.
locals {
  # Singletons become maps of 0 or 1 entry keyed by their name. merge() skips nulls, so a null map
  # of a multi kind is an empty one.
  network      = { for _, c in { x = var.network } : try(c.name, "network") => c if c != null }
  cluster      = { for _, c in { x = var.cluster } : try(c.name, "cluster") => c if c != null }
  dns          = { for _, c in { x = var.dns } : try(c.name, "dns") => c if c != null }
  repositories = { for _, c in { x = var.repositories } : try(c.name, "repositories") => c if c != null }
  databases    = merge(var.databases)
  caches       = merge(var.caches)
  queues       = merge(var.queues)
  topics       = merge(var.topics)
  nosql_tables = merge(var.nosql_tables)
  registries   = merge(var.container_registries)
  # A secret's value never travels with its settings (it is in var.secret_values, sensitive).
  secrets = { for k, c in merge(var.secrets) : k => { for f, v in c : f => v if f != "value" } }

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
    { for k, c in local.registries : "container_registries/${k}" => c },
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
