# Each kind's output ("<name>" → its outputs, the contract's keys) is declared in its <kind>.tf
# (../CONTRACT.md); no secret value is output.
output "name_prefix" {
  value = var.name_prefix
}
