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
}

# The identity's AWS region.
variable "region" {
  type = string
  validation {
    condition     = can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]+$", var.region))
    error_message = "region must be an AWS region such as us-east-1."
  }
}

# Values the user gave for secrets, by secret name (TF_VAR_secret_values, never a file); secrets
# absent here get a generated value.
variable "secret_values" {
  type      = map(string)
  default   = {}
  nullable  = false
  sensitive = true
}
