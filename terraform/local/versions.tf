# The sandbox target: only Terraform's built-in `terraform_data`, so it plans, applies and destroys
# for real with no cloud and no provider download.
terraform {
  required_version = ">= 1.6"

  # The state Vintner keeps (encrypted, with its history): configured by src/terraform/ through
  # TF_HTTP_* in Terraform's environment (the address and the job's own credential).
  backend "http" {}
}
