# The variables every target shares (../CONTRACT.md); each kind's own is in its <kind>.tf.
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

# The identity's region; the sandbox is "local".
variable "region" {
  type    = string
  default = "local"
}

# Values the user gave for secrets, by secret name; secrets absent here get a generated value.
# Vintner passes it as TF_VAR_secret_values (never in a file).
variable "secret_values" {
  type      = map(string)
  default   = {}
  nullable  = false
  sensitive = true
}

# Test knobs of the sandbox only. "<kind>/<name>": that component's apply fails (ready.sh exits 1).
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
