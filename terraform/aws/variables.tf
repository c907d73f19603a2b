# The contract's inputs (terraform/CONTRACT.md): the sandbox's variables without its two test knobs,
# plus the identity's region.
variable "vineyard" {
  type = string
}

variable "vine" {
  type = string
}

variable "stage" {
  type = string
  validation {
    condition     = contains(["development", "staging", "production"], var.stage)
    error_message = "stage must be development, staging or production."
  }
}

variable "name_prefix" {
  type = string
}

variable "region" {
  type = string
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must be an AWS region such as us-east-1."
  }
}

# Singletons: null (disabled) or one object { name, resource_name, ...settings }.
# `any` so the settings schema can evolve without touching this module.
variable "network" {
  type    = any
  default = null
}
variable "cluster" {
  type    = any
  default = null
  # What needs the vine's network says so at once (the resources' own checks come later, after
  # AWS-side validation that would name a missing CIDR or subnet instead).
  validation {
    condition     = var.cluster == null || var.network != null
    error_message = "cluster: the vine needs a network (EKS runs in its private subnets)."
  }
}
variable "dns" {
  type    = any
  default = null
  validation {
    condition     = try(var.dns.private_zone, false) != true || var.network != null
    error_message = "dns: a private zone is attached to the vine's network; add a network."
  }
}
variable "repositories" {
  type    = any
  default = null
}

# The other kinds: a map keyed by component name → { resource_name, ...settings }.
variable "databases" {
  type    = any
  default = {}
  validation {
    condition     = try(length(var.databases), 0) == 0 || var.network != null
    error_message = "databases: the vine needs a network (RDS runs in its private subnets)."
  }
}
variable "caches" {
  type    = any
  default = {}
  validation {
    condition     = try(length(var.caches), 0) == 0 || var.network != null
    error_message = "caches: the vine needs a network (ElastiCache runs in its private subnets)."
  }
}
variable "queues" {
  type    = any
  default = {}
}
variable "topics" {
  type    = any
  default = {}
}
variable "nosql_tables" {
  type    = any
  default = {}
}
variable "container_registries" {
  type    = any
  default = {}
}
variable "secrets" {
  type    = any
  default = {}
}

# Values the user gave for secrets, by secret name (TF_VAR_secret_values, never a file); secrets
# absent here get a generated value.
variable "secret_values" {
  type      = map(string)
  default   = {}
  nullable  = false
  sensitive = true
}
