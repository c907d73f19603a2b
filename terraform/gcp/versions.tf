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

  # The state Vintner keeps (encrypted, with its history): configured by src/terraform/ through
  # TF_HTTP_* in Terraform's environment (the address and the job's own credential).
  backend "http" {}
}
