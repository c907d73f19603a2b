# The Azure target. Credentials come only from the environment of the Terraform process
# (ARM_CLIENT_ID, ARM_CLIENT_SECRET, ARM_TENANT_ID, ARM_SUBSCRIPTION_ID): no variable, no file.
terraform {
  required_version = ">= 1.7"

  required_providers {
    azurerm = {
      source  = "hashicorp/azurerm"
      version = "~> 4.73.0"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.1.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7.0"
    }
  }

  # Configured at init: -backend-config=schema_name=… and PG_CONN_STR (see src/terraform/).
  backend "pg" {}
}

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
