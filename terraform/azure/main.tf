# Resource naming rule (src/terraform/ maps Terraform events back to components by it): everything
# belonging to component <kind>/<name> is <type>.<kind>["<name>"] or <type>.<kind>__<part>["<name>"]
# (or keyed "<name>/<sub>" when a component has several of one part), for_each keyed by the
# component name — singletons too. Resources of the whole vine (its resource group, Key Vault,
# Service Bus namespace, Cosmos DB accounts, private DNS zones) carry no kind prefix.
locals {
  production = var.stage == "production"

  # Azure tag values take up to 256 characters (unicode allowed).
  tags = {
    vineyard   = substr(var.vineyard, 0, 256)
    vine       = substr(var.vine, 0, 256)
    stage      = var.stage
    managed-by = "vintner"
  }

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
  # resource_name: "<name_prefix>-<kind short>[-<name>]", DNS-safe, at most 63 characters.
  rn = { for id, c in local.all : id => try(c.resource_name, "${var.name_prefix}-${split("/", id)[1]}") }

  # Globally unique names (Key Vault, ACR, Service Bus, Cosmos DB, Redis, database servers) get a
  # short suffix, stable for a vine in a subscription: two installations using the same vineyard,
  # vine and stage names in different subscriptions do not collide.
  salt      = "${data.azurerm_client_config.current.subscription_id}/${var.name_prefix}"
  uniq      = { for id, _ in local.all : id => substr(sha1("${local.salt}/${id}"), 0, 4) }
  uniq_vine = substr(sha1(local.salt), 0, 4)
  # <resource name, cut to fit>-<suffix>: at most 63 characters, no trailing or double hyphen.
  unique_name = { for id, _ in local.all : id => "${replace(substr(local.rn[id], 0, 58), "/-+$/", "")}-${local.uniq[id]}" }
  # The prefix cut to n characters without a trailing hyphen.
  prefix16 = replace(substr(var.name_prefix, 0, 16), "/-+$/", "")
}

data "azurerm_client_config" "current" {}

resource "azurerm_resource_group" "vine" {
  name     = "${var.name_prefix}-rg"
  location = var.region
  tags     = local.tags
}
