# Resource naming rule (src/terraform/ maps Terraform events back to components by it): everything
# belonging to component <kind>/<name> is terraform_data.<kind>["<name>"] or
# terraform_data.<kind>__<suffix>["<name>"], for_each keyed by the component name — singletons too.
#
# Every component is two resources at least:
#   <kind>["name"]         the component itself; its settings are its `input`, so a settings change
#                          is an in-place update;
#   <kind>__ready["name"]  runs after it (a local-exec: the test knobs apply_delay_seconds and
#                          fail_components); replaced when the settings change, so the delay and the
#                          failure happen on updates too. Other kinds depend on it ("ready").
locals {
  arn_prefix = "arn:vintner:local:${var.stage}:${var.vineyard}"
  dns_suffix = "${var.stage}.vintner.local"
  account_id = "000000000000"
  delay      = floor(var.apply_delay_seconds)

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

  # Every component's settings, "<kind>/<name>" → settings.
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
  rn = { for id, c in local.all : id => try(c.resource_name, "${var.name_prefix}-${split("/", id)[1]}") }

  ready_triggers = {
    for id, c in local.all : id => {
      settings = sha256(jsonencode(c))
      fail     = contains(var.fail_components, id)
    }
  }
  ready_env = {
    for id, c in local.all : id => {
      VINTNER_COMPONENT     = id
      VINTNER_RESOURCE_NAME = local.rn[id]
      VINTNER_DELAY         = tostring(local.delay)
      VINTNER_FAIL          = tostring(contains(var.fail_components, id))
    }
  }
}
