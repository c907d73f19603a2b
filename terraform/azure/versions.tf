# The Azure target. Provider versions are pinned to the ones whose schemas are checked offline
# (../CONTRACT.md).
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

  # The state Vintner keeps (encrypted, with its history): configured by src/terraform/ through
  # TF_HTTP_* in Terraform's environment (the address and the job's own credential).
  backend "http" {}
}
