# Each kind's output is in its <kind>.tf (../CONTRACT.md); no secret value is output.
output "name_prefix" {
  value = var.name_prefix
}
