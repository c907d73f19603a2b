# The GCP target. Provider versions are pinned to the ones whose schemas are checked offline
# (terraform/CONTRACT.md); credentials reach the providers only through the environment.
terraform {
  required_version = ">= 1.7"

  required_providers {
    google = {
      source  = "hashicorp/google"
      version = "~> 6.50.0"
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
