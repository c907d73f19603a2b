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

# Test knobs. "<kind>/<name>": that component's apply fails (a local-exec exiting 1).
variable "fail_components" {
  type     = list(string)
  default  = []
  nullable = false
}

# > 0: every component's create/update works that many seconds (interruptible).
variable "apply_delay_seconds" {
  type     = number
  default  = 0
  nullable = false
  validation {
    condition     = var.apply_delay_seconds >= 0 && var.apply_delay_seconds <= 3600
    error_message = "apply_delay_seconds must be between 0 and 3600."
  }
}
