# What every kind's file shares: the providers, every component's settings by "<kind>/<name>",
# names, tags, and the resources of the whole vine (its resource group, Key Vault, Service Bus
# namespace). Each kind's variable, resources and output are in its <kind>.tf (../CONTRACT.md).
#
# Resource naming rule (src/terraform/ maps Terraform events back to components by it): everything
# belonging to component <kind>/<name> is <type>.<kind>["<name>"] or <type>.<kind>__<part>["<name>"]
# (or keyed "<name>/<sub>" when a component has several of one part), for_each keyed by the
# component name — singletons too. Resources of the whole vine (its resource group, Key Vault,
# Service Bus namespace, Cosmos DB accounts, private DNS zones) carry no kind prefix.

provider "azurerm" {
  # The subscription, tenant and service principal come from ARM_* in the environment.
  # Resource providers are registered once per subscription by an administrator (see
  # docs/clouds/azure.md): registering needs subscription-wide rights this module's role lacks.
  resource_provider_registrations = "none"

  features {
    key_vault {
      # Development and staging: destroy leaves nothing behind (the vault and its secrets are purged).
      # Production: purge protection is on, so deleted secrets and the vault stay recoverable.
      purge_soft_delete_on_destroy          = var.stage != "production"
      purge_soft_deleted_secrets_on_destroy = var.stage != "production"
      recover_soft_deleted_key_vaults       = true
      recover_soft_deleted_secrets          = true
    }
    resource_group {
      # Never delete a resource group that holds something this module does not manage.
      prevent_deletion_if_contains_resources = true
    }
  }
}

# Helm reaches the vine's AKS cluster with its admin client certificate (kube_admin_config). With
# no cluster (or before it exists) every field is null or unknown, which plans fine: Helm is only
# called by helm_release resources, and those exist only with a cluster.
provider "helm" {
  kubernetes = {
    host                   = try(local.kube.host, null)
    client_certificate     = try(base64decode(local.kube.client_certificate), null)
    client_key             = try(base64decode(local.kube.client_key), null)
    cluster_ca_certificate = try(base64decode(local.kube.cluster_ca_certificate), null)
    # Nothing else: no kubeconfig file, context, token or exec plugin on the worker.
    config_path              = null
    config_paths             = null
    config_context           = null
    config_context_auth_info = null
    config_context_cluster   = null
    exec                     = null
    insecure                 = null
    password                 = null
    proxy_url                = null
    tls_server_name          = null
    token                    = null
    username                 = null
  }
}

locals {
  production = var.stage == "production"

  # Azure tag values take up to 256 characters (unicode allowed).
  tags = {
    vineyard   = substr(var.vineyard, 0, 256)
    vine       = substr(var.vine, 0, 256)
    stage      = var.stage
    managed-by = "vintner"
  }

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

# queues and topics share one Service Bus namespace per vine (Standard: queues, topics, sessions,
# dead-lettering and auto-forwarding; Premium's private endpoints and isolation cost ~$677 a month
# per messaging unit, see docs/clouds/azure.md). Access with Entra ID only (shared access keys
# off), TLS 1.2.
locals {
  messaging      = length(local.queues) + length(local.topics) > 0
  servicebus_url = try(trimsuffix(trimsuffix(azurerm_servicebus_namespace.vine[0].endpoint, "/"), ":443"), null)
}

resource "azurerm_servicebus_namespace" "vine" {
  count                         = local.messaging ? 1 : 0
  name                          = "${replace(substr(var.name_prefix, 0, 36), "/-+$/", "")}-bus-${local.uniq_vine}"
  location                      = azurerm_resource_group.vine.location
  resource_group_name           = azurerm_resource_group.vine.name
  sku                           = "Standard"
  local_auth_enabled            = false
  minimum_tls_version           = "1.2"
  public_network_access_enabled = true
  tags                          = local.tags
}

# secrets and the databases' passwords live in one Key Vault per vine (RBAC authorization, purge
# protection in production, soft delete for the secrets' recovery_window_days (secrets.tf), fixed
# when the vault is created).
locals {
  vault_needed = length(local.secrets) + length(local.databases) > 0
}

resource "azurerm_key_vault" "vine" {
  count                      = local.vault_needed ? 1 : 0
  name                       = "${local.prefix16}-kv-${local.uniq_vine}"
  location                   = azurerm_resource_group.vine.location
  resource_group_name        = azurerm_resource_group.vine.name
  tenant_id                  = data.azurerm_client_config.current.tenant_id
  sku_name                   = "standard"
  rbac_authorization_enabled = true
  purge_protection_enabled   = local.production
  soft_delete_retention_days = local.vault_retention_days
  # Terraform (outside the VNet) writes the secrets; access is by Entra ID roles only.
  public_network_access_enabled = true
  tags                          = local.tags

  lifecycle {
    # Azure fixes the retention when the vault is created.
    ignore_changes = [soft_delete_retention_days]
  }
}
