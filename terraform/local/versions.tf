# The sandbox target: only Terraform's built-in `terraform_data`, so it plans, applies and destroys
# for real with no cloud and no provider download.
terraform {
  required_version = ">= 1.6"

  # Configured at init: -backend-config=schema_name=… and PG_CONN_STR (see src/terraform/).
  backend "pg" {}
}
