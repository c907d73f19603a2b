# The variables every target shares (../CONTRACT.md): the sandbox's without its two test knobs.
# Each kind's own variable is in its <kind>.tf.

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

# Values the user gave for secrets, by secret name (TF_VAR_secret_values, never a file); secrets
# absent here get a generated value.
variable "secret_values" {
  type      = map(string)
  default   = {}
  nullable  = false
  sensitive = true
}
