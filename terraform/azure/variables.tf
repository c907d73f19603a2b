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
  validation {
    condition     = length(var.name_prefix) <= 24 && can(regex("^[a-z](-?[a-z0-9])*$", var.name_prefix))
    error_message = "name_prefix must be lowercase letters, digits and single hyphens, start with a letter, at most 24 characters."
  }
}

# The Azure location of the identity (eastus, westeurope, …). Production needs one with availability zones.
variable "region" {
  type = string
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

# Values the user gave for secrets, by secret name; secrets absent here get a generated value.
variable "secret_values" {
  type      = map(string)
  default   = {}
  nullable  = false
  sensitive = true
}
