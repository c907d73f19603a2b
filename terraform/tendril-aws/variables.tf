# Written by Vintner's DEPLOY_WORKER / DESTROY_WORKER (src/runner/worker-jobs.ts) into
# terraform.tfvars.json — except `tendril_token`, which reaches Terraform only as
# TF_VAR_tendril_token in its environment.

variable "pool_id" {
  type        = string
  description = "The Tendril pool's id in Vintner (a UUID): tagged on everything, so the account shows whose Tendrils these are."
  validation {
    condition     = can(regex("^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", var.pool_id))
    error_message = "pool_id must be a lowercase UUID."
  }
}

variable "pool_name" {
  type        = string
  description = "The pool's display name (may be unicode: tag value only, never part of a name)."
}

variable "name_prefix" {
  type        = string
  description = "Every name here starts with it: `tendril-<pool name, DNS-safe>-<first 8 of the pool id>`."
  validation {
    # The roles get `-execution` / `-task` appended: 38 + 10 stays within IAM's 64.
    condition     = can(regex("^[a-z][a-z0-9-]{0,36}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 2 to 38 lowercase letters, digits and single hyphens, starting with a letter."
  }
  validation {
    # The aws target's policy (the task role's) lets its holder manage `vintner-*` roles,
    # `vintner/*` secrets and `/vintner/*` log groups: the Tendril's own must lie outside them.
    condition     = !startswith(var.name_prefix, "vintner")
    error_message = "name_prefix must not start with \"vintner\": the Tendril's own roles and secret would be within reach of the policy it runs with."
  }
}

variable "region" {
  type        = string
  description = "The AWS region of the Tendrils (the identity's region)."
}

variable "trellis_url" {
  type        = string
  description = "Trellis's address as the Tendrils reach it (their TRELLIS_URL): https://vintner.example.com."
  validation {
    condition     = can(regex("^https?://[^/\\s?#]+(/[^\\s?#]*)?$", var.trellis_url))
    error_message = "trellis_url must be an http(s) URL such as https://vintner.example.com."
  }
}

variable "image" {
  type        = string
  description = "The Tendril image (the repository's Dockerfile), pushed where the account can pull it: an ECR repository (the execution role may then pull from that repository only) or a public registry."
  validation {
    condition     = length(var.image) > 0 && !can(regex("\\s", var.image))
    error_message = "image must name an image, such as 123456789012.dkr.ecr.eu-west-1.amazonaws.com/vintner-tendril:0.1.0."
  }
}

variable "tendril_token" {
  type        = string
  description = "The pool token the Tendrils authenticate with. Written once into Secrets Manager (write-only: never in the plan or the state); null when nothing is written (destroy)."
  default     = null
  sensitive   = true
  ephemeral   = true
}

variable "token_version" {
  type        = number
  description = "Changes whenever tendril_token does: Secrets Manager gets the new value and the service rolls its tasks onto it."
  validation {
    condition     = var.token_version >= 1 && floor(var.token_version) == var.token_version
    error_message = "token_version must be a whole number of at least 1."
  }
}

variable "task_policy_json" {
  type        = string
  description = "The task role's one inline policy: exactly the permissions the aws target needs (terraform/aws/iam-policy.json, the document of docs/clouds/aws.md)."
  validation {
    condition     = can(jsondecode(var.task_policy_json).Statement) && try(length(jsondecode(var.task_policy_json).Statement) > 0, false)
    error_message = "task_policy_json must be an IAM policy document with at least one statement."
  }
  validation {
    # IAM counts an inline role policy without whitespace; 10,240 is the most a role may hold.
    condition     = length(replace(var.task_policy_json, "/\\s+/", "")) <= 10240
    error_message = "task_policy_json is longer than the 10,240 characters (without whitespace) IAM allows a role's inline policies."
  }
}

variable "cpu" {
  type        = number
  description = "Fargate CPU units of one Tendril task (1024 = 1 vCPU)."
  default     = 1024
  validation {
    condition     = contains([256, 512, 1024, 2048, 4096, 8192, 16384], var.cpu)
    error_message = "cpu must be one of Fargate's sizes: 256, 512, 1024, 2048, 4096, 8192, 16384."
  }
}

variable "memory" {
  type        = number
  description = "MiB of memory of one Tendril task: a combination Fargate offers for `cpu`. Terraform with the AWS provider takes ~0.5–1 GiB per running job."
  default     = 2048
  validation {
    condition     = contains(local.fargate_memory[tostring(var.cpu)], var.memory)
    error_message = "memory must be a size Fargate offers for that cpu (1024 cpu: 2048 to 8192 MiB in steps of 1024; see docs/clouds/aws-tendril.md)."
  }
}

variable "cpu_architecture" {
  type        = string
  description = "X86_64, or ARM64 (about 20% cheaper on Fargate; the image must be built for it)."
  default     = "X86_64"
  validation {
    condition     = contains(["X86_64", "ARM64"], var.cpu_architecture)
    error_message = "cpu_architecture must be X86_64 or ARM64."
  }
}

variable "desired_count" {
  type        = number
  description = "How many Tendril tasks run (0 stops them and keeps everything else)."
  default     = 1
  validation {
    condition     = var.desired_count >= 0 && var.desired_count <= 20 && floor(var.desired_count) == var.desired_count
    error_message = "desired_count must be a whole number from 0 to 20."
  }
}

variable "concurrency" {
  type        = number
  description = "Jobs one Tendril task runs at once (its TENDRIL_CONCURRENCY)."
  default     = 2
  validation {
    condition     = var.concurrency >= 1 && var.concurrency <= 16 && floor(var.concurrency) == var.concurrency
    error_message = "concurrency must be a whole number from 1 to 16."
  }
}

variable "cluster_arn" {
  type        = string
  description = "An existing ECS cluster to run the service in; null creates a cluster of its own."
  default     = null
  validation {
    condition     = var.cluster_arn == null || can(regex("^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\\d{12}:cluster/[A-Za-z0-9_-]+$", var.cluster_arn))
    error_message = "cluster_arn must be an ECS cluster ARN such as arn:aws:ecs:eu-west-1:123456789012:cluster/tools."
  }
}

variable "subnet_ids" {
  type        = list(string)
  description = "Subnets of the tasks (they need a route to Trellis, the AWS APIs and the image registry). Empty: the default subnets of the account's default VPC, with public IPs."
  default     = []
  validation {
    condition     = alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]+$", s))])
    error_message = "subnet_ids must be subnet ids such as subnet-0123456789abcdef0."
  }
}

variable "security_group_ids" {
  type        = list(string)
  description = "Security groups of the tasks. Empty: one of its own, allowing no inbound traffic and outbound TCP only to port 443 and Trellis's port."
  default     = []
  validation {
    condition     = alltrue([for s in var.security_group_ids : can(regex("^sg-[0-9a-f]+$", s))])
    error_message = "security_group_ids must be security group ids such as sg-0123456789abcdef0."
  }
}

variable "assign_public_ip" {
  type        = bool
  description = "Give each task a public IP (needed in public subnets without a NAT). Null: yes in the default VPC, no in subnets you name."
  default     = null
}

variable "log_retention_days" {
  type        = number
  description = "How long CloudWatch keeps the Tendrils' logs."
  default     = 30
  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be one of CloudWatch's retention periods (1, 3, 5, 7, 14, 30, 60, 90 … 3653)."
  }
}

variable "wait_for_steady_state" {
  type        = bool
  description = "Apply waits until the new tasks run (a Tendril that cannot start fails the job, and the deployment rolls back)."
  default     = true
}

variable "environment" {
  type        = map(string)
  description = "More settings of the Tendril process (README's variables table), nothing secret: TENDRIL_HEARTBEAT_SECONDS, LOG_LEVEL …"
  default     = {}
  validation {
    condition     = alltrue([for k in keys(var.environment) : can(regex("^[A-Z][A-Z0-9_]*$", k))])
    error_message = "environment names must be uppercase letters, digits and underscores."
  }
  validation {
    condition     = length(setintersection(keys(var.environment), ["TENDRIL_TOKEN", "TRELLIS_URL", "DATABASE_URL", "VINTNER_SECRET_KEY", "SESSION_SECRET", "TENDRIL_CONCURRENCY"])) == 0
    error_message = "environment must not set TENDRIL_TOKEN, TRELLIS_URL, TENDRIL_CONCURRENCY (their own variables) nor DATABASE_URL, VINTNER_SECRET_KEY or SESSION_SECRET (an in-account Tendril holds none)."
  }
}

variable "tags" {
  type        = map(string)
  description = "More tags on everything (the module's own — managed-by, vintner-pool, vintner-pool-id — win)."
  default     = {}
}
