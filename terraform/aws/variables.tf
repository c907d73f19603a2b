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
}
variable "dns" {
  type    = any
  default = null
}
variable "repositories" {
  type    = any
  default = null
}

# The other kinds: a map keyed by component name → { resource_name, ...settings }.
variable "databases" {
  type    = any
  default = {}
}
variable "caches" {
  type    = any
  default = {}
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
