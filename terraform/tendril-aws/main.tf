# Nothing secret here: the deploying identity's credentials (keys, or a role's session) reach the
# provider through the environment of the one Terraform process.
provider "aws" {
  region = var.region
}

data "aws_caller_identity" "current" {}
data "aws_partition" "current" {}

locals {
  name       = var.name_prefix
  account_id = data.aws_caller_identity.current.account_id
  partition  = data.aws_partition.current.partition

  # `managed-by = vintner-tendril`, not the aws target's `vintner`: the target's policy (which the
  # task role holds) may change and delete EC2 resources tagged `managed-by = vintner`, and the
  # Tendril must not be able to change its own security group.
  tags = merge(var.tags, {
    "managed-by"      = "vintner-tendril"
    "vintner-pool"    = var.pool_name
    "vintner-pool-id" = var.pool_id
  })

  # The memory sizes Fargate offers for each CPU size (MiB).
  fargate_memory = {
    "256"   = [512, 1024, 2048]
    "512"   = [for g in range(1, 5) : g * 1024]
    "1024"  = [for g in range(2, 9) : g * 1024]
    "2048"  = [for g in range(4, 17) : g * 1024]
    "4096"  = [for g in range(8, 31) : g * 1024]
    "8192"  = [for g in range(16, 61, 4) : g * 1024]
    "16384" = [for g in range(32, 121, 8) : g * 1024]
  }
}
