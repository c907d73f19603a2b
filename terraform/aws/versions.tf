# The AWS target. Same inputs and outputs as every target (terraform/CONTRACT.md).
terraform {
  # 1.11: write-only arguments (a user's secret value reaches Secrets Manager without entering the
  # state or the plan).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.66.0"
    }
    helm = {
      source  = "hashicorp/helm"
      version = "~> 3.1.0"
    }
    random = {
      source  = "hashicorp/random"
      version = "~> 3.7.0"
    }
    tls = {
      source  = "hashicorp/tls"
      version = "~> 4.1.0"
    }
  }

  # The state Vintner keeps (encrypted, with its history): configured by src/terraform/ through
  # TF_HTTP_* in Terraform's environment (the address and the job's own credential).
  backend "http" {}
}
