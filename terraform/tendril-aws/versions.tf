# A Tendril pool's in-account Tendrils on AWS (DEPLOY_WORKER / DESTROY_WORKER): an ECS Fargate
# service running the Tendril image with the pool's token, in the customer's own account.
terraform {
  # 1.11: write-only arguments — the pool token reaches Secrets Manager without entering the plan
  # or the state (an ephemeral variable into `secret_string_wo`).
  required_version = ">= 1.11"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.66.0"
    }
  }

  # The state Vintner keeps for the pool (`pool:<id>`, encrypted, with its history): configured by
  # src/terraform/ through TF_HTTP_* in Terraform's environment.
  backend "http" {}
}
