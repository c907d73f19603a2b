# The common variables (terraform/CONTRACT.md). Each kind's variable is declared in its own file.

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
    condition     = can(regex("^[a-z]([a-z0-9-]{0,22}[a-z0-9])?$", var.name_prefix))
    error_message = "name_prefix must be lowercase letters, digits and hyphens, start with a letter and be at most 24 characters."
  }
}

# The identity's GCP region (us-central1, europe-west1 …). The project comes from the environment
# (GOOGLE_PROJECT / the credentials), never from a variable.
variable "region" {
  type = string
  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+$", var.region))
    error_message = "region must be a GCP region such as us-central1."
  }
}

# Values the user gave for secrets, by secret name; secrets absent here get a generated value.
variable "secret_values" {
  type      = map(string)
  default   = {}
  nullable  = false
  sensitive = true
}
